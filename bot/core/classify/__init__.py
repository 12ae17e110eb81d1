"""Progress, keeping the lights on, or no work at all: explainable, calibrated labels.

Three kinds of evidence, each a log-odds:

1. **Progress vs KTLO** (positive = progress): a cue lexicon of hand-written phrases with
   weights ("root cause", "automat", "on-call", "again") plus a naive Bayes model over word
   stems, stem bigrams, the opening word and the cues that fired. Cues match on tokens:
   every word of a phrase but the last must match exactly, the last as a prefix
   ("automat" covers automate/automated/automation) unless the phrase ends with a space
   (whole word). "again", "another", "as usual" make work repeat work; "for good", "root
   cause", "so that … never" make a fix progress.
2. **No work signal** (positive = `none`): phrases that say there was no work ("out sick",
   "OOO", "on leave", "nothing", "n/a", "ditto", "see last week") and a line of emoji
   alone, against whatever else the line says: each other word counts for work unless
   the corpus's `none` lines use it more than its work lines ("wedding", "flu"). A line
   with no such phrase is work ("Turn off all warnings" names its work).
3. **Calibration**: each log-odds becomes a probability through Platt scaling fitted on
   the dev splits (`bot.core.calibration`), so that p(none), p(progress | work) are
   probabilities a member can read. The label is the most probable of the three and the
   confidence its probability: ~0.7 means right about 7 times in 10 (`make bench` shows
   the reliability table).

The naive Bayes model and the calibration are fitted on first use on the project's own
corpus (`corpus/train.tsv` and `teams_train.tsv`; dev splits for the calibration; in our
own words, ~0.1 s), so no weights file can drift from the data. The reasons are the
phrases in the item that contributed most towards the label — always words the member
wrote.

A workspace's corrections form an overlay: an item close enough to a corrected one (token
overlap) follows the correction, in that workspace only, because the caller passes only
that workspace's corrections.

Pure and offline: reads its packaged corpus once, no network, no dependencies.

Where each part lives (this package):

- `cues.py`: the hand-written lexicons (data only) — where to add or reweigh a phrase;
- `features.py`: reading a line — tokens, stems, which cues fire, the model's features;
- `naive_bayes.py`: the fitted model, the two log-odds, and the Platt calibration;
- here: the public API (`classify`, `classify_many`, `probabilities`), the label,
  confidence and reasons, and a workspace's corrections (`CorrectionIndex`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.calibration import sigmoid
from bot.core.classify.cues import CUES, NONE_CUES, WORK_MARKERS
from bot.core.classify.features import Parts, parts_of, token_set
from bot.core.classify.naive_bayes import (
    TRAIN,
    fit,
    fitted_calibration,
    fitted_model,
    load_corpus,
    none_score,
    progress_score,
    squash,
)
from bot.core.model import Classification, Label

# What callers import from here, besides the API below (tests and the bench read the
# lexicons, the train splits and the model's fitting).
__all__ = [
    "CUES",
    "NONE_CUES",
    "SIMILAR",
    "TRAIN",
    "CorrectionIndex",
    "classify",
    "classify_many",
    "fit",
    "load_corpus",
    "probabilities",
]

SIMILAR = 0.5  # token-set Jaccard at which a correction decides an item


def _reasons(evidence: Iterable[tuple[float, str]], sign: int) -> list[str]:
    per_phrase: dict[str, float] = {}
    for w, phrase in evidence:
        per_phrase[phrase] = per_phrase.get(phrase, 0.0) + w
    ranked = sorted((p for p, w in per_phrase.items() if w * sign > 0.3),
                    key=lambda p: -per_phrase[p] * sign)
    reasons: list[str] = []
    for phrase in ranked:
        if not any(phrase in r or r in phrase for r in reasons):
            reasons.append(phrase)
        if len(reasons) == 3:
            break
    return reasons


def probabilities(text: str) -> dict[Label, float]:
    """The calibrated probability of each label for one item (no corrections applied)."""
    return _probabilities(parts_of(text))[0]


def _probabilities(parts: Parts) -> tuple[dict[Label, float], list[tuple[float, str]]]:
    model, cal = fitted_model(), fitted_calibration()
    score, evidence = progress_score(parts, model)
    p_progress = sigmoid(cal.work[0] * squash(score) + cal.work[1])
    if not evidence:
        # Nothing recognisable: a coin toss, which `_base` settles as KTLO, so that
        # unlabelled routine does not inflate the progress share.
        p_progress = 0.5
    z = none_score(parts, model)
    p_none = cal.plain if z is None else sigmoid(cal.none[0] * z + cal.none[1])
    return ({"progress": (1 - p_none) * p_progress, "ktlo": (1 - p_none) * (1 - p_progress),
             "none": p_none}, evidence)


_TIES: tuple[Label, ...] = ("ktlo", "progress", "none")  # on a tie, the first wins


def _base(text: str) -> Classification:
    parts = parts_of(text)
    probs, evidence = _probabilities(parts)
    label: Label = max(_TIES, key=lambda k: probs[k])
    confidence = round(probs[label], 2)
    if label == "none":
        if parts.symbols:
            return Classification("none", confidence, (parts.symbols[:40],))
        ranked = sorted(parts.nones, key=lambda n: -n[0])
        reasons = _reasons([(w, s) for w, s in ranked], 1)
        return Classification("none", confidence,
                              tuple(_original_case(text, r) for r in reasons))
    if parts.quiet:  # a work line that also says "out Monday": the reasons are the work
        evidence = [(w, s) for w, s in evidence
                    if not set(s.split()) <= parts.quiet | WORK_MARKERS]
    reasons = _reasons(evidence, 1 if label == "progress" else -1)
    return Classification(label, confidence, tuple(_original_case(text, r) for r in reasons))


def _original_case(text: str, phrase: str) -> str:
    i = text.lower().find(phrase)
    return text[i : i + len(phrase)] if i >= 0 else phrase


class CorrectionIndex:
    """A workspace's corrections, indexed for "is this item like one they corrected?"."""

    def __init__(self, corrections: Sequence[tuple[str, Label]]) -> None:
        # newest correction of the same text wins
        latest: dict[frozenset[str], tuple[str, Label]] = {}
        for text, label in corrections:
            tokens = token_set(text)
            if tokens:
                latest[tokens] = (text, label)
        self._entries = list(latest.items())

    def match(self, text: str) -> tuple[str, Label] | None:
        tokens = token_set(text)
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
