"""Which KTLO theme an item is: the cue phrases of `bot.core.themes` matched on words, plus
naive Bayes over word stems fitted on the labelled dev split.

How cues match, and why two sources of evidence, is in `bot.core.themes`. The theme with
the highest score wins; below `MIN_SCORE` the item is "Other routine work". Pure and
offline: reads its packaged corpus once; no network, no clock.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from bot.core.corpora import read_corpus
from bot.core.text import STOP_WORDS, readable, stem
from bot.core.themes import CUES, THEME_IDS, THEME_NAMES

# Tuned on themes_dev.tsv only (5-fold cross-validation for the fitted part); never on
# themes_heldout.tsv.
NB_SCALE = 0.35  # how much the fitted model counts against the cue phrases
MIN_SCORE = 1.0  # a theme needs at least this much evidence over "other"
CONTEXT_WEIGHT = 1 / 3  # words naming a deadline ("before the audit") count this much
SMOOTHING = 0.5

_CLAUSE = re.compile(r"[.;,!?()]+(?:\s|$)|\s[-–—]\s|\n")
_TOKEN = re.compile(r"[a-z0-9]+(?:['’:/-][a-z0-9]+)*")
_CONTEXT_START = ("before", "ahead of")


@dataclass(frozen=True)
class _Cue:
    words: tuple[str, ...]
    prefix: bool  # the last word matches as a prefix
    theme: str
    weight: float
    key: int  # its place in CUES: fires at most once per item


@lru_cache(maxsize=1)
def _cue_index() -> tuple[dict[str, list[_Cue]], dict[str, list[_Cue]], dict[str, list[_Cue]]]:
    """(single whole words, single prefixes, multi-word by first word, longest first)."""
    whole: dict[str, list[_Cue]] = {}
    prefix: dict[str, list[_Cue]] = {}
    multi: dict[str, list[_Cue]] = {}
    for key, (phrase, theme, weight) in enumerate(CUES):
        if theme not in THEME_NAMES:
            raise ValueError(f"cue {phrase!r}: unknown theme {theme!r}")
        is_prefix = phrase.endswith("*")
        words = tuple(_TOKEN.findall(phrase.rstrip("*").lower()))
        cue = _Cue(words, is_prefix, theme, weight, key)
        if len(words) > 1:
            multi.setdefault(words[0], []).append(cue)
        elif is_prefix:
            prefix.setdefault(words[0], []).append(cue)
        else:
            whole.setdefault(words[0], []).append(cue)
    for cues in multi.values():
        cues.sort(key=lambda c: -len(c.words))
    return whole, prefix, multi


def _tokens(text: str) -> tuple[list[str], list[float]]:
    """Lowered words, and how much each counts (a deadline clause counts less)."""
    lowered = text.lower().replace("’", "'")
    if "before" not in lowered and "ahead" not in lowered:
        found = _TOKEN.findall(lowered)
        return found, [1.0] * len(found)
    words: list[str] = []
    weights: list[float] = []
    for clause in _CLAUSE.split(lowered):
        toks = _TOKEN.findall(clause)
        factor = 1.0
        for i, tok in enumerate(toks):
            if tok == "before" or (tok == "ahead" and toks[i + 1:i + 2] == ["of"]):
                factor = CONTEXT_WEIGHT
            words.append(tok)
            weights.append(factor)
    return words, weights


def _cue_scores(words: list[str], weights: list[float]) -> dict[str, float]:
    multi = _cue_index()[2]
    scores: dict[str, float] = {}
    fired: set[int] = set()
    covered = [False] * len(words)
    n = len(words)
    for i, word in enumerate(words):  # longer phrases first: they take their words
        for cue in multi.get(word, ()):
            m = len(cue.words)
            if i + m > n or cue.key in fired or any(covered[i:i + m]):
                continue
            if all(words[i + j] == cue.words[j] for j in range(1, m - 1)):
                last, want = words[i + m - 1], cue.words[-1]
                if last == want or (cue.prefix and last.startswith(want)):
                    fired.add(cue.key)
                    covered[i:i + m] = [True] * m
                    scores[cue.theme] = scores.get(cue.theme, 0.0) + cue.weight * weights[i]
    for i, word in enumerate(words):
        if covered[i]:
            continue
        for cue in _word_cues(word):
            if cue.key not in fired:
                fired.add(cue.key)
                scores[cue.theme] = scores.get(cue.theme, 0.0) + cue.weight * weights[i]
    return scores


@lru_cache(maxsize=16384)
def _word_cues(word: str) -> tuple[_Cue, ...]:
    """The single-word cues a word fires: per theme, its strongest (a word counts once)."""
    whole, prefix, _ = _cue_index()
    found = list(whole.get(word, ()))
    for k in range(2, len(word) + 1):
        found += prefix.get(word[:k], ())
    best: dict[str, _Cue] = {}
    for cue in found:
        if cue.weight > getattr(best.get(cue.theme), "weight", -1.0):
            best[cue.theme] = cue
    return tuple(best.values())


def _stems(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(stem(w) for w in words if w not in STOP_WORDS and len(w) > 1))


@dataclass(frozen=True)
class ThemeModel:
    """Naive Bayes over word stems: log P(theme), and for each stem seen in training
    log P(stem | theme), both in `THEME_IDS` order."""

    prior: tuple[float, ...]
    stems: dict[str, tuple[float, ...]]


def fit_model(rows: Iterable[tuple[str, str]], smoothing: float = SMOOTHING) -> ThemeModel:
    """Fit on (theme, text) pairs."""
    counts: dict[str, Counter[str]] = {t: Counter() for t in THEME_IDS}
    docs: Counter[str] = Counter()
    for theme, text in rows:
        docs[theme] += 1
        counts[theme].update(_stems(_tokens(text)[0]))
    vocab = set().union(*counts.values())
    total_docs = sum(docs.values())
    totals = [sum(counts[t].values()) + smoothing * len(vocab) for t in THEME_IDS]
    prior = tuple(math.log((docs[t] + 1) / (total_docs + len(THEME_IDS))) for t in THEME_IDS)
    stems = {s: tuple(math.log((counts[t][s] + smoothing) / total)
                      for t, total in zip(THEME_IDS, totals, strict=True))
             for s in vocab}
    return ThemeModel(prior, stems)


def load_theme_corpus(split: str) -> list[tuple[str, str, str, str]]:
    """One split of the packaged theme corpus as (theme, team, style, text) rows."""
    return read_corpus(f"themes_{split}.tsv", THEME_NAMES, "theme")


@lru_cache(maxsize=1)
def _model() -> ThemeModel:
    return fit_model((theme, text) for theme, _, _, text in load_theme_corpus("dev"))


def theme_scores(text: str, model: ThemeModel | None = None) -> dict[str, float]:
    """Each theme's evidence for `text` (higher is more likely)."""
    model = model or _model()
    words, weights = _tokens(text)
    scores = _cue_scores(words, weights)
    rows = [model.stems[s] for s in _stems(words)
            if s in model.stems]  # a stem the corpus never used says nothing
    nb = [sum(column) for column in zip(model.prior, *rows, strict=True)]
    top = max(nb)
    return {t: scores.get(t, 0.0) + NB_SCALE * (v - top)
            for t, v in zip(THEME_IDS, nb, strict=True)}


def theme_id(text: str, model: ThemeModel | None = None) -> str:
    """The id of `text`'s theme (one of `THEME_IDS`)."""
    scores = theme_scores(text, model)
    best = max(THEME_IDS, key=lambda t: scores[t])
    if best != "other" and scores[best] - scores["other"] < MIN_SCORE:
        return "other"
    return best


def theme_of(text: str) -> str:
    """The display name of the KTLO theme `text` belongs to (read as people read it:
    mentions and links by their names, not Slack's markup)."""
    return THEME_NAMES[theme_id(readable(text))]
