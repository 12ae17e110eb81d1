"""Progress vs keep-the-lights-on: a small, explainable cue-phrase classifier.

Each item is scored by weighted cue phrases (matched on word prefixes, so "automat"
covers automate/automated/automation); the sign decides the label, the margin the
confidence, and the phrases that fired are the reasons. Modifiers that change the meaning
of a fix are handled explicitly: "again", "another", "as usual" make work repeat work
(KTLO); "for good", "root cause", "so that … never" make a fix progress.

A workspace's corrections form an overlay: an item close enough to a corrected one (token
overlap) follows the correction, in that workspace only, because the caller passes only
that workspace's corrections.

Pure and offline: no I/O, no downloads; loads instantly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.core.model import Classification, Label
from bot.core.text import STOP_WORDS

# (phrase, weight): positive = progress, negative = KTLO. Phrases are matched as word
# prefixes in lower-cased text; multi-word phrases must appear in order.
CUES: tuple[tuple[str, float], ...] = (
    # progress: building, improving, learning, pursuing
    ("launch", 2.0),
    ("shipped", 1.6),
    ("ship ", 1.4),
    ("release", 1.0),
    ("built", 1.6),
    ("build", 1.2),
    ("implement", 1.6),
    ("introduc", 1.5),
    ("new ", 1.2),
    ("first version", 1.8),
    ("prototyp", 2.0),
    ("experiment", 2.0),
    ("a/b test", 2.0),
    ("pilot", 1.8),
    ("design", 1.2),
    ("redesign", 1.8),
    ("automat", 2.2),
    ("self-serve", 1.6),
    ("improv", 1.6),
    ("speed up", 1.6),
    ("faster", 1.2),
    ("reduc", 1.2),
    ("cut ", 1.0),
    ("eliminat", 1.6),
    ("for good", 2.5),
    ("root cause", 2.2),
    ("never again", 2.0),
    ("rfc", 1.4),
    ("proposal", 1.2),
    ("strategy", 1.2),
    ("roadmap", 1.2),
    ("feature", 1.5),
    ("add support", 1.8),
    ("added", 1.2),
    ("add ", 0.8),
    ("support for", 1.6),
    ("enable", 1.0),
    ("allow", 1.0),
    ("integrat", 1.2),
    ("migrat", 0.8),
    ("refactor", 1.2),
    ("simplif", 1.4),
    ("mentor", 1.6),
    ("coach", 1.4),
    ("learn", 1.4),
    ("train", 0.8),
    ("course", 1.0),
    ("hired", 1.2),
    ("hiring plan", 1.4),
    ("interview", 0.8),
    ("customer interview", 1.6),
    ("research", 1.4),
    ("discover", 1.2),
    ("opportunit", 1.6),
    ("partnership", 1.6),
    ("new market", 2.0),
    ("pricing", 1.2),
    ("forecast model", 1.6),
    ("model", 0.8),
    ("usability test", 1.8),
    ("wrote the", 0.6),
    ("published", 1.2),
    ("negotiat", 1.0),
    ("closed the deal", 1.6),
    ("won ", 1.2),
    ("signed", 1.0),
    ("onboarding", 0.8),
    ("architecture", 1.4),
    ("dashboard for", 0.8),
    ("okr", 1.0),
    ("initiative", 1.4),
    ("innovat", 1.8),
    ("created", 1.2),
    ("started", 0.8),
    # KTLO: incidents, repeats, routine, support, compliance, meetings, admin, forced upgrades
    ("incident", -2.2),
    ("outage", -2.2),
    ("firefight", -2.4),
    ("on-call", -2.0),
    ("on call", -2.0),
    ("pager", -2.0),
    ("p1", -2.0),
    ("p2", -1.6),
    ("sev", -1.2),
    ("hotfix", -2.0),
    ("hot fix", -2.0),
    ("patch", -1.6),
    ("again", -2.2),
    ("another", -1.0),
    ("as usual", -1.8),
    ("restart", -2.0),
    ("reboot", -1.8),
    ("rollback", -1.6),
    ("roll back", -1.6),
    ("revert", -1.8),
    ("fixed", -1.4),
    ("fix ", -1.2),
    ("bug", -1.4),
    ("crash", -1.8),
    ("broken", -1.6),
    ("flaky", -1.2),
    ("hung", -1.6),
    ("timeout", -1.2),
    ("backfill", -1.6),
    ("failed", -1.2),
    ("triag", -2.0),
    ("support queue", -2.2),
    ("ticket", -1.6),
    ("escalation", -1.8),
    ("support", -1.2),
    ("answered", -1.4),
    ("helpdesk", -2.0),
    ("reset password", -2.0),
    ("reset passwords", -2.0),
    ("password reset", -2.0),
    ("access request", -1.8),
    ("audit", -2.0),
    ("compliance", -2.0),
    ("soc 2", -1.8),
    ("soc2", -1.8),
    ("gdpr", -1.2),
    ("access review", -1.8),
    ("renew", -1.6),
    ("certificate", -1.4),
    ("expir", -1.4),
    ("end of life", -1.8),
    ("end-of-life", -1.8),
    ("eol", -1.6),
    ("deprecat", -0.8),
    ("forced", -1.6),
    ("upgrad", -1.2),
    ("security update", -1.6),
    ("status meeting", -2.2),
    ("status update", -1.8),
    ("weekly sync", -1.8),
    ("sync", -1.0),
    ("standup", -1.6),
    ("meeting", -1.2),
    ("vendor call", -1.4),
    ("1:1", -0.8),
    ("admin", -1.4),
    ("paperwork", -1.8),
    ("expense", -1.8),
    ("timesheet", -2.0),
    ("invoice", -1.0),
    ("payroll", -1.8),
    ("month-end", -1.6),
    ("month end", -1.6),
    ("close the books", -1.6),
    ("closed the books", -1.6),
    ("report", -0.6),
    ("routine", -2.0),
    ("maintenance", -1.6),
    ("cleanup", -1.0),
    ("clean up", -1.0),
    ("cleaned up", -1.0),
    ("backup", -1.2),
    ("monitor", -0.8),
    ("alert", -1.2),
    ("postmortem", -1.0),
    ("typo", -1.4),
    ("reconcil", -1.6),
    ("chasing", -1.4),
    ("recurring", -1.0),
    ("manual", -1.0),
    ("by hand", -1.0),
    ("keep the lights", -2.0),
    ("keeping the lights", -2.0),
    ("inbox", -1.2),
    ("scheduling", -1.0),
    ("answer", -0.6),
)

# A fix that removes the cause for good is progress, whatever else it says.
ROOT_FIX = re.compile(
    r"\b(for good|root cause|never (?:again|happens)|so (?:that )?(?:it|we) "
    r"(?:never|no longer)|permanently|once and for all)\b"
)
REPEAT = re.compile(
    r"\b(again|another|as usual|(?:second|third|fourth|fifth) time|"
    r"every (?:week|day|month)|recurring)\b"
)

_WORD = re.compile(r"[a-z0-9][a-z0-9'/+-]*")
_WORD_END = re.compile(r"[a-z0-9-]*")
_STOP = STOP_WORDS
SIMILAR = 0.5  # token-set Jaccard at which a correction decides an item


@dataclass(frozen=True)
class _Cue:
    pattern: re.Pattern[str]
    phrase: str
    weight: float


@lru_cache(maxsize=1)
def _cues() -> tuple[_Cue, ...]:
    out = []
    for phrase, weight in CUES:
        body = re.escape(phrase.strip())
        # prefix match at a word start; a trailing space in the phrase means "whole word"
        tail = r"\b" if phrase.endswith(" ") else ""
        out.append(_Cue(re.compile(r"(?<![a-z0-9])" + body + tail), phrase.strip(), weight))
    return tuple(out)


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in _WORD.findall(text.lower()) if t not in _STOP)


def _base(text: str) -> Classification:
    lowered = text.lower()
    score = 0.0
    fired: list[tuple[float, str]] = []
    for cue in _cues():
        m = cue.pattern.search(lowered)
        if m:
            score += cue.weight
            end = _WORD_END.match(lowered, m.end()).end()  # type: ignore[union-attr]
            fired.append((cue.weight, text[m.start() : end]))
    if ROOT_FIX.search(lowered):
        score += 3.0
        fired.append((3.0, ROOT_FIX.search(lowered).group(0)))  # type: ignore[union-attr]
    elif REPEAT.search(lowered):
        score -= 1.0
    label: Label = "progress" if score > 0 else "ktlo"
    if score == 0:
        # Nothing recognisable: lean KTLO, with low confidence, so that unlabelled routine
        # does not inflate the progress share.
        return Classification("ktlo", 0.5, ())
    margin = abs(score)
    confidence = round(min(0.99, 0.5 + 0.5 * (1 - 1 / (1 + margin))), 2)
    sign = 1 if label == "progress" else -1
    reasons = [phrase for w, phrase in sorted(fired, key=lambda f: -abs(f[0])) if w * sign > 0]
    return Classification(
        label, confidence, tuple(dict.fromkeys(r.strip(".,;:") for r in reasons))[:3]
    )


class CorrectionIndex:
    """A workspace's corrections, indexed for "is this item like one they corrected?"."""

    def __init__(self, corrections: Sequence[tuple[str, Label]]) -> None:
        # newest correction of the same text wins
        latest: dict[frozenset[str], tuple[str, Label]] = {}
        for text, label in corrections:
            tokens = _tokens(text)
            if tokens:
                latest[tokens] = (text, label)
        self._entries = list(latest.items())

    def match(self, text: str) -> tuple[str, Label] | None:
        tokens = _tokens(text)
        if not tokens or not self._entries:
            return None
        best, best_score = None, 0.0
        for other, entry in self._entries:
            score = len(tokens & other) / len(tokens | other)
            if score > best_score:
                best, best_score = entry, score
        return best if best_score >= SIMILAR else None


def classify(text: str, corrections: Sequence[tuple[str, Label]] = ()) -> Classification:
    return classify_many([text], corrections)[0]


def classify_many(
    texts: Sequence[str], corrections: Sequence[tuple[str, Label]] = ()
) -> list[Classification]:
    index = CorrectionIndex(corrections) if corrections else None
    out = []
    for text in texts:
        hit = index.match(text) if index else None
        if hit is not None:
            source, label = hit
            out.append(Classification(label, 0.9, (f"like your team's correction: '{source}'",)))
        else:
            out.append(_base(text))
    return out
