"""Member text between Slack and Headway: decoded on the way in, shown safely on the way out.

Slack sends message and slash-command text HTML-escaped (`&` as `&amp;`, `<` as `&lt;`, `>`
as `&gt;`) and writes mentions and links as angle-bracket references: `<@U123>`,
`<@U123|ana>`, `<#C1|general>`, `<!here>`, `<!subteam^S1|@oncall>`, `<https://x.y|PR 812>`,
`<mailto:a@b.c|a@b.c>`. Because a `<` the person typed arrives as `&lt;`, every raw `<…>`
in Slack's text is a reference. `from_slack` decodes the entities and keeps each reference
verbatim, so the stored text is what the person typed, with their mentions and links intact.
(Modal `plain_text_input` values arrive raw: they are stored as they come.)

On the way out nothing a member wrote is ever live: `show` escapes their text exactly once
for mrkdwn and renders references readably — `@Ana`, `#general`, `@here` as plain text, a
link as a link we build ourselves, only for http, https and mailto. `readable` gives the
same without markup, for the classifier, item splitting, grouping and plain-text output.

Slack mrkdwn parses `<…>` as links, mentions and broadcasts: a reply containing
`<!channel>` would ping the whole channel if repeated as is. Escaping the three control
characters (ampersand first, so it is not escaped twice) neutralises every form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str) -> str:
    """Drop C0 control characters (keeps tab and newlines) for display only; storage keeps all."""
    return _CONTROL.sub("", text)


_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
# In Slack's own (escaped) text every raw `<…>` is a reference: a typed `<` is `&lt;`.
_WIRE_REF = re.compile(r"<[^<>]*>")
# References as they appear in stored text. Stricter than the wire form, so that text a
# person typed with its own angle brackets ("build time <10 min", "<b>bold</b>", typed in
# a modal or decoded from `&lt;`) stays text: only Slack's reference shapes count.
_REF = re.compile(
    r"<(?:"
    r"@(?P<user>[UW][A-Z0-9]+)"
    r"|#(?P<channel>[CGD][A-Z0-9]+)"
    r"|!(?P<special>[a-z][a-z_]*)(?P<args>\^[^<>|]*)?"
    r"|(?P<url>(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):[^<>|\s]+)"
    r")(?:\|(?P<label>[^<>]*))?>"
)
LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
SOMEONE = "someone"  # a mentioned person whose name Headway does not know


def _decode(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def from_slack(text: str) -> str:
    """Message or slash-command text as Slack sends it → what the person typed.

    The three entities are decoded in one pass (`&amp;lt;` is the typed `&lt;`, not `<`);
    references (`<@U123>`, `<https://…|label>` …) are kept verbatim, in Slack's own form.
    Not for modal input, which Slack sends unescaped.
    """
    out: list[str] = []
    pos = 0
    for m in _WIRE_REF.finditer(text):
        out.append(_decode(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_decode(text[pos:]))
    return "".join(out)


@dataclass(frozen=True)
class Ref:
    """One Slack reference in stored text. `label` is decoded (what Slack showed)."""

    kind: str  # user | channel | special | link
    target: str  # user or channel id, special name (here, subteam, date …) or the URL
    label: str = ""

    @property
    def scheme(self) -> str:
        return self.target.split(":", 1)[0].lower() if self.kind == "link" else ""


def segments(text: str) -> list[str | Ref]:
    """Stored text as plain strings and references, in order."""
    out: list[str | Ref] = []
    pos = 0
    for m in _REF.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        label = _decode(m.group("label") or "")
        if m.group("user"):
            out.append(Ref("user", m.group("user"), label))
        elif m.group("channel"):
            out.append(Ref("channel", m.group("channel"), label))
        elif m.group("special"):
            out.append(Ref("special", m.group("special"), label))
        else:
            out.append(Ref("link", _decode(m.group("url")), label))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _ref_text(ref: Ref, names: Mapping[str, str] | None) -> str:
    """A reference as a person reads it, never as markup."""
    label = strip_control(ref.label).strip()
    if ref.kind == "user":
        name = (names or {}).get(ref.target) or label.lstrip("@") or SOMEONE
        return "@" + strip_control(name)
    if ref.kind == "channel":
        return "#" + (label.lstrip("#") or "channel")
    if ref.kind == "special":
        if ref.target in ("here", "channel", "everyone"):
            return "@" + ref.target
        if ref.target == "subteam":
            return "@" + (label.lstrip("@") or "group")
        return label or ref.target  # `<!date^…|fallback>` and the like: Slack's fallback
    if label:
        return label
    return ref.target.removeprefix("mailto:") if ref.scheme == "mailto" else ref.target


def readable(text: str, names: Mapping[str, str] | None = None, *, urls: bool = False) -> str:
    """Stored text without markup: `@Ana`, `#general`, `@here`, a link's label.

    `names` maps user ids to names (the members table); without one, a mention shows the
    name Slack put in it, or `@someone` — never an id. With `urls`, a labelled link also
    shows its address, in brackets (for exports and terminal output).
    """
    out: list[str] = []
    for seg in segments(text):
        if isinstance(seg, str):
            out.append(seg)
            continue
        shown = _ref_text(seg, names)
        if urls and seg.kind == "link" and shown not in (seg.target,
                                                          seg.target.removeprefix("mailto:")):
            shown = f"{shown} ({seg.target})"
        out.append(shown)
    return "".join(out)


def plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """Stored member text for a terminal or a file: readable, link addresses kept, control
    characters dropped. Not for Slack (see `show`)."""
    return strip_control(readable(text, names, urls=True))


def show(text: str, limit: int | None = None, names: Mapping[str, str] | None = None) -> str:
    """Stored member text as mrkdwn: escaped exactly once, references readable, never live.

    A link keeps working only for http, https and mailto, with its label escaped and the
    link re-created here; any other reference becomes plain text. Cut to `limit`
    characters (an ellipsis included) without cutting an escape sequence or a link.
    """
    pieces: list[tuple[str, str]] = []  # (mrkdwn, the same as escaped plain text)
    for seg in segments(text):
        if isinstance(seg, str):
            plain = escape_mrkdwn(strip_control(seg))
            pieces.append((plain, plain))
            continue
        plain = escape_mrkdwn(_ref_text(seg, names))
        if seg.kind == "link" and seg.scheme in LINK_SCHEMES and not _CONTROL.search(seg.target):
            pieces.append((f"<{escape_mrkdwn(seg.target)}|{plain}>", plain))
        else:
            pieces.append((plain, plain))
    whole = "".join(markup for markup, _ in pieces)
    if limit is None or len(whole) <= limit:
        return whole
    budget = max(0, limit - 1)
    out = ""
    for markup, plain in pieces:
        if len(out) + len(markup) <= budget:
            out += markup
            continue
        out += _cut_escaped(plain, budget - len(out))
        break
    return out + "…"


def name_mentions(text: str, names: Mapping[str, str]) -> str:
    """Stored text with each known user mention carrying that person's current name, as
    `<@U123|Ana>`: whatever shows the text later (`show`, `readable`) needs no lookup."""

    def named(m: re.Match[str]) -> str:
        user = m.group("user")
        if not user or not names.get(user):
            return m.group(0)
        return f"<@{user}|{escape_mrkdwn(names[user])}>"

    return _REF.sub(named, text)


def escape_mrkdwn(text: str) -> str:
    """Escape plain text for a mrkdwn or plain_text field."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut_escaped(escaped: str, room: int) -> str:
    """At most `room` characters of escaped text, not ending inside an escape sequence."""
    cut = escaped[: max(0, room)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))] + ellipsis


def quoted(typed: str, limit: int = 20) -> str:
    """What someone typed, cut to `limit` characters for quoting inside `code` in an error
    message; a backtick would end the span, so it becomes a quote."""
    return truncate(typed.replace("`", "'"), limit)


def safe(text: str, limit: int | None = None) -> str:
    """Plain text (a name, a prompt, an error) escaped, then cut, never cutting through an
    escape sequence such as `&amp;`. Member-written text goes through `show` instead."""
    escaped = escape_mrkdwn(strip_control(text))
    if limit is None or len(escaped) <= limit:
        return escaped
    return _cut_escaped(escaped, limit - 1) + "…"


# Words too common to say what an item is about; shared by the classifier's correction
# matching and the digest's grouping of similar answers.
STOP_WORDS: frozenset[str] = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "for", "in", "on", "at", "with", "by", "from",
    "our", "my", "we", "i", "it", "this", "that", "is", "was", "were", "be", "been", "their",
    "team", "again", "after", "about", "into", "out", "up", "over", "have", "has", "had",
    "more", "less", "very", "just", "should", "could", "would", "what", "who", "why", "how",
    "new", "one",
})


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A deliberately crude stemmer, shared by the classifier and the KTLO themes: enough
    to make fix/fixed/fixes one feature."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
