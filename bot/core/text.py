"""Making member-written text safe to repeat in Slack.

Slack parses `<…>` in mrkdwn as links, mentions and broadcasts: a reply containing
`<!channel>` would ping the whole channel when the digest repeats it. Escaping the three
control characters (ampersand first, so it is not escaped twice) neutralises every form.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_mrkdwn(text: str) -> str:
    """Escape user text for a mrkdwn or plain_text field."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strip_control(text: str) -> str:
    """Drop C0 control characters (keeps tab and newlines) for display only; storage keeps all."""
    return _CONTROL.sub("", text)


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))] + ellipsis


def safe(text: str, limit: int | None = None) -> str:
    """Escape then cut, never cutting through an escape sequence such as `&amp;`."""
    escaped = escape_mrkdwn(strip_control(text))
    if limit is None or len(escaped) <= limit:
        return escaped
    cut = escaped[: max(0, limit - 1)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


# Words too common to say what an item is about; shared by the classifier's correction
# matching and the digest's grouping of similar answers.
STOP_WORDS: frozenset[str] = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "for", "in", "on", "at", "with", "by", "from",
    "our", "my", "we", "i", "it", "this", "that", "is", "was", "were", "be", "been", "their",
    "team", "again", "after", "about", "into", "out", "up", "over", "have", "has", "had",
    "more", "less", "very", "just", "should", "could", "would", "what", "who", "why", "how",
    "new", "one",
})
