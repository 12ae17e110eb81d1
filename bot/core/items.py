"""Splitting a `work` answer into items: one per line or bullet.

Only line ends separate items: prose is never cut at `;` or commas (a `;` ends every
escaped entity Slack sends, and "reset passwords; fixed the VPN" is one thing said one way).
List markers are removed and nothing else the member wrote is dropped, except lines that
are no work at all: only mentions, a greeting or thanks ("hi @Headway", "thanks!",
"<@U123>"). Those stay in the stored reply text, they just are not items. A line of emoji
alone ("🏖️", ":face_with_thermometer:") is an item: it is how some people say they were
away, and the classifier labels it `none` (no work) for its author to see.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.text import Ref, segments

# "- ", "* ", "• ", "– ", "1. ", "1) ", "(1) ", "a) " at the start of a line.
_MARKER = re.compile(r"^\s*(?:[-*•·–—▪◦]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][)])\s+")
_EMOJI_CODE = re.compile(r":[a-z0-9_+'\-]+:")
_TYPED_MENTION = re.compile(r"@\S+")
_WORD = re.compile(r"[^\W\d_]+")
# A line of chatter has at least one of these…
GREETINGS: frozenset[str] = frozenset({
    "hi", "hii", "hello", "hey", "heya", "hiya", "howdy", "yo", "greetings", "morning",
    "afternoon", "evening", "thanks", "thank", "thx", "ty", "tysm", "cheers", "bye",
    "hola", "hallo", "bonjour", "salut", "ciao", "merci", "danke", "gracias", "moin",
})
# …and nothing but these besides (plus mentions, emoji and punctuation).
_FILLER: frozenset[str] = frozenset({
    "good", "you", "so", "much", "very", "a", "lot", "team", "all", "everyone", "folks",
    "there", "again", "guys", "y", "yall", "headway", "bot", "dear", "in", "advance", "as",
    "always", "many", "and", "oh", "ok", "okay",
})


def is_chatter(line: str) -> bool:
    """True for a line that is only mentions, a greeting or thanks: not a unit of work.

    A link is content (`<https://…|PR 812>` names the work); a digit is content too; so is
    a line of emoji alone, without a mention (an answer in pictures: "🤒").
    """
    words: list[str] = []
    mentions = emoji = False
    for seg in segments(line):
        if isinstance(seg, Ref):
            if seg.kind == "link":
                return False
            mentions = True
            continue
        lowered = seg.lower()
        emoji = emoji or bool(_EMOJI_CODE.search(lowered)) or any(
            unicodedata.category(c) == "So" for c in lowered)
        rest = _TYPED_MENTION.sub(" ", _EMOJI_CODE.sub(" ", lowered))
        mentions = mentions or rest != _EMOJI_CODE.sub(" ", lowered)
        if any(c.isdigit() for c in rest):
            return False
        words += _WORD.findall(rest)
    if not words:
        return mentions or not emoji  # mentions or punctuation only; emoji alone is an item
    return (all(w in GREETINGS or w in _FILLER for w in words)
            and any(w in GREETINGS for w in words))


def split_items(text: str) -> list[str]:
    """The items of a `work` answer, in order; list markers removed, chatter lines left out."""
    items: list[str] = []
    # Only "\n" ends a line (a trailing "\r" is stripped below): str.splitlines() would also
    # split on rare separators such as U+0085, turning a marker's spacing into a line break
    # and changing which characters count as list markers.
    for line in text.split("\n"):
        line = _MARKER.sub("", line, count=1).strip()
        if line and not is_chatter(line):
            items.append(line)
    return items
