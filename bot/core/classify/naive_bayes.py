"""The classifier's fitted part: naive Bayes over a line's features, and the calibration.

- **Progress vs KTLO**: multinomial naive Bayes over the features `features.py` reads (word
  stems, stem bigrams, the opening word, the cues that fired), plus the hand cues scaled by
  `CUE_SCALE`; `progress_score` gives the log-odds of progress and each piece of evidence.
- **No work**: `none_score` weighs the no-work phrases against whatever else the line says:
  each other word counts for work unless the corpus's `none` lines use it more than its
  work lines ("wedding", "flu").
- **Calibration**: Platt scaling (`bot.core.calibration`) turns each log-odds into a
  probability, fitted on scores of lines each scoring model never saw.

`fitted()` fits both once, on first use, from the packaged corpus (`TRAIN` splits for the
model; `DEV` splits and train folds for the calibration), so no weights file can drift
from the data.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.core.calibration import platt_fit
from bot.core.classify.cues import ROOT_FIX, WORK_MARKERS
from bot.core.classify.features import Parts, parts_of
from bot.core.corpora import read_corpus
from bot.core.model import LABELS, Label

# Tuned on the dev splits only (never on a held-out split or the commits file): how much
# the hand cues count against the fitted model, and the model's smoothing.
CUE_SCALE = 2.0
SMOOTHING = 1.0
# No-work evidence: each other word of a line with a no-work phrase counts this much for
# work, or, if the corpus's `none` lines use it more than its work lines, for `none`.
WORK_WORD = 2.0
NONE_WORD = 1.0
TRAIN: tuple[str, ...] = ("train", "teams_train", "teams_extra")
DEV: tuple[str, ...] = ("dev", "teams_dev")
FOLDS = 5


@dataclass(frozen=True)
class Model:
    prior: float
    weights: dict[str, float]  # log P(f|progress) - log P(f|ktlo)
    none_words: frozenset[str]  # stems the `none` lines use more than the work lines


@dataclass(frozen=True)
class Calibration:
    work: tuple[float, float]  # Platt (a, b) for p(progress | work) from the log-odds
    none: tuple[float, float]  # Platt (a, b) for p(none) from the no-work log-odds
    plain: float  # p(none) of a line with words and no no-work phrase


Row = tuple[Label, str, str, str]


def load_corpus(split: str) -> list[Row]:
    """One split of the packaged corpus as (label, team, style, text) rows."""
    return read_corpus(f"{split}.tsv", LABELS, "label")  # type: ignore[return-value]


def fit(rows: Iterable[tuple[str, str]], smoothing: float = SMOOTHING) -> Model:
    """Multinomial naive Bayes over binary features from (label, text) pairs for progress
    vs KTLO; `none` rows teach which words lines with no work use."""
    return _fit([(label, parts_of(text)) for label, text in rows], smoothing)


@dataclass
class _Counts:
    """What naive Bayes counts: features per work label, lines per label, and which words
    work lines and `none` lines use. Counts add and subtract, so a model of all folds but
    one is the whole minus that fold."""

    progress: Counter[str]
    ktlo: Counter[str]
    docs: Counter[str]
    work_used: Counter[str]
    none_used: Counter[str]

    def __add__(self, other: _Counts) -> _Counts:
        return _Counts(self.progress + other.progress, self.ktlo + other.ktlo,
                       self.docs + other.docs, self.work_used + other.work_used,
                       self.none_used + other.none_used)

    def __sub__(self, other: _Counts) -> _Counts:
        return _Counts(self.progress - other.progress, self.ktlo - other.ktlo,
                       self.docs - other.docs, self.work_used - other.work_used,
                       self.none_used - other.none_used)


def _count(rows: Iterable[tuple[str, Parts]]) -> _Counts:
    c = _Counts(Counter(), Counter(), Counter(), Counter(), Counter())
    for label, parts in rows:
        c.docs[label] += 1
        if label == "none":
            c.none_used.update(set(parts.rest))
            continue
        (c.progress if label == "progress" else c.ktlo).update(parts.feats)
        c.work_used.update(parts.feats[:parts.n_words])
    return c


def _fit(rows: Sequence[tuple[str, Parts]], smoothing: float = SMOOTHING) -> Model:
    return _model_of(_count(rows), smoothing)


def _model_of(c: _Counts, smoothing: float = SMOOTHING) -> Model:
    vocab = c.progress.keys() | c.ktlo.keys()
    tot_p = math.log(c.progress.total() + smoothing * len(vocab))
    tot_k = math.log(c.ktlo.total() + smoothing * len(vocab))
    log = math.log
    weights = {f: log(c.progress[f] + smoothing) - tot_p - log(c.ktlo[f] + smoothing) + tot_k
               for f in vocab}
    prior = math.log((c.docs["progress"] + 1) / (c.docs["ktlo"] + 1))
    work_docs = c.docs["progress"] + c.docs["ktlo"] + 1
    none_docs = c.docs["none"] + 1
    none_words = frozenset(w for w, n in c.none_used.items()
                           if n / none_docs > c.work_used[w] / work_docs)
    return Model(prior, weights, none_words)


def _rows(splits: Sequence[str]) -> list[tuple[str, str]]:
    return [(label, text) for split in splits for label, _, _, text in load_corpus(split)]


@lru_cache(maxsize=1)
def fitted() -> tuple[Model, Calibration]:
    """The model, fitted on the train splits, and its calibration, fitted on scores of
    lines each scoring model never saw: the dev splits (scored by the model) and each
    fifth of the train splits (scored by a model fitted on the other four fifths)."""
    train = [(label, parts_of(text)) for label, text in _rows(TRAIN)]
    folds = [train[k::FOLDS] for k in range(FOLDS)]
    counts = [_count(fold) for fold in folds]
    whole = sum(counts[1:], counts[0])
    model = _model_of(whole)
    unseen = [(label, parts_of(text), model) for label, text in _rows(DEV)]
    for fold, fold_counts in zip(folds, counts, strict=True):
        others = _model_of(whole - fold_counts)
        unseen += [(label, parts, others) for label, parts in fold]
    return model, calibrate(unseen)


def fitted_model() -> Model:
    return fitted()[0]


def fitted_calibration() -> Calibration:
    return fitted()[1]


def squash(score: float) -> float:
    """Naive Bayes log-odds grow with every word, far faster than the evidence does: the
    calibration is fitted on their logarithm (it fits unseen lines better than the score
    itself, on the train folds and on dev)."""
    return math.copysign(math.log1p(abs(score)), score)


def calibrate(scored: Sequence[tuple[str, Parts, Model]]) -> Calibration:
    """Platt scaling of both log-odds from (label, parts, model that never saw them)."""
    work_s, work_y, none_s, none_y = [], [], [], []
    plain = plain_none = 0
    for label, parts, model in scored:
        if label != "none":
            work_s.append(squash(progress_score(parts, model)[0]))
            work_y.append(label == "progress")
        z = none_score(parts, model)
        if z is None:
            plain += 1
            plain_none += label == "none"
        else:
            none_s.append(z)
            none_y.append(label == "none")
    return Calibration(platt_fit(work_s, work_y), platt_fit(none_s, none_y),
                        (plain_none + 0.5) / (plain + 1))


def progress_score(parts: Parts, model: Model, cue_scale: float | None = None
           ) -> tuple[float, list[tuple[float, str]]]:
    """Log-odds of progress, and each piece of evidence as (contribution, surface text)."""
    surface = {f: s for f, _, s in parts.cues}
    cue_scale = CUE_SCALE if cue_scale is None else cue_scale
    evidence: list[tuple[float, str]] = []
    score = model.prior
    weights = model.weights
    for i, f in enumerate(parts.feats):
        w = weights.get(f)
        if w is None:
            continue  # a word the corpus never used says nothing either way
        score += w
        if i < parts.n_words:
            evidence.append((w, parts.words[f]))  # the word the stem came from
        elif f in surface:
            evidence.append((w, surface[f]))
    for _, weight, surf in parts.cues:
        score += cue_scale * weight
        evidence.append((cue_scale * weight, surf))
    if "#rootfix" in parts.feats:
        m = ROOT_FIX.search(parts.lowered)
        # a fix that removes the cause is progress whatever else the item says
        # (the "fix" words around it must not outvote it, so it also sets a floor)
        bonus = max(3.0 * cue_scale, 1.5 - score)
        score += bonus
        if m:
            evidence.append((bonus, m.group(0)))
    return score, evidence


def none_score(parts: Parts, model: Model) -> float | None:
    """Log-odds that the line says there was no work; None for a line with words and no
    no-work phrase (those are work: their probability of `none` is a constant)."""
    if parts.symbols:
        return 4.0  # an emoji alone
    if not parts.nones:
        return None
    z = sum(w for w, _ in parts.nones) - WORK_WORD * parts.rest_cues
    content = [s for s in parts.rest if s not in WORK_MARKERS]
    for stem in parts.rest:
        if stem in WORK_MARKERS:
            # "out Monday, then reception the rest of the week": the rest is work
            z -= WORK_WORD if content else 0.0
        else:
            z += NONE_WORD if stem in model.none_words else -WORK_WORD
    return z
