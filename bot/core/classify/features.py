"""What the classifier reads in one line: tokens, stems, the cues that fire, features.

Cues match on tokens: every word of a phrase but the last must match exactly, the last as
a prefix ("automat" covers automate/automated/automation) unless the phrase ends with a
space (whole word). Overlapping no-work phrases ("out sick" and "sick") count once, the
strongest. `parts_of(text)` gathers all of it into a `Parts`, which the model
(`naive_bayes.py`) scores and the API (`__init__.py`) turns into reasons.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from bot.core.classify.cues import CUES, NONE_CUES, NONE_FILLER, REPEAT, ROOT_FIX
from bot.core.text import STOP_WORDS
from bot.core.text import stem as shared_stem

_SYMBOLS = re.compile(r":[a-z0-9_+'\-]+:")
_DATEISH = re.compile(r"^\d+(?:st|nd|rd|th)?$|^\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?$")
_WORD = re.compile(r"[a-z0-9][a-z0-9'/+:.-]*[a-z0-9:]|[a-z0-9]")
_STOP = STOP_WORDS


@dataclass(frozen=True)
class _Cue:
    words: tuple[str, ...]  # all but the last: exact; the last: prefix unless `whole`
    whole: bool
    phrase: str
    weight: float
    none: bool  # a no-work phrase (NONE_CUES) rather than a progress/KTLO one


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return shared_stem(word)  # cached here: the classifier stems every token of every item


@lru_cache(maxsize=1)
def _cue_index() -> tuple[dict[str, list[_Cue]], dict[str, list[_Cue]]]:
    """Single-word prefix cues keyed by prefix; multi-word cues keyed by their first word."""
    single: dict[str, list[_Cue]] = {}
    multi: dict[str, list[_Cue]] = {}
    for table, none in ((CUES, False), (NONE_CUES, True)):
        for phrase, weight in table:
            if weight == 0:
                continue
            words = tuple(phrase.split())
            cue = _Cue(words, phrase.endswith(" "), phrase.strip(), weight, none)
            (single if len(words) == 1 else multi).setdefault(words[0], []).append(cue)
    return single, multi


_LONGEST = max(len(p.split()[0]) for p, _ in (*CUES, *NONE_CUES))


@lru_cache(maxsize=16384)
def _single_cues(tok: str) -> tuple[_Cue, ...]:
    """The one-word cues a token fires (cached: the same words come back all the time)."""
    single = _cue_index()[0]
    return tuple(cue for k in range(2, min(len(tok), _LONGEST) + 1)
                 for cue in single.get(tok[:k], ()) if not cue.whole or k == len(tok))


def _match_cues(tokens: list[str]) -> list[tuple[_Cue, int, int]]:
    """Each cue that fires, once, with the token span it covers."""
    multi = _cue_index()[1]
    fired: dict[tuple[bool, str], tuple[_Cue, int, int]] = {}
    n = len(tokens)
    for i, tok in enumerate(tokens):
        for cue in _single_cues(tok):
            key = (cue.none, cue.phrase)
            if key not in fired:
                fired[key] = (cue, i, i + 1)
        for cue in multi.get(tok, ()):
            m = len(cue.words)
            key = (cue.none, cue.phrase)
            if key in fired or i + m > n:
                continue
            if all(tokens[i + j] == cue.words[j] for j in range(1, m - 1)):
                last, word = tokens[i + m - 1], cue.words[-1]
                if last == word or (not cue.whole and last.startswith(word)):
                    fired[key] = (cue, i, i + m)
    return list(fired.values())


@dataclass(frozen=True)
class Parts:
    """What the classifier reads in one item."""

    feats: list[str]  # model features (progress vs KTLO), the word stems first
    n_words: int  # how many of `feats` are word stems
    cues: list[tuple[str, float, str]]  # progress/KTLO cues: (feature, weight, surface)
    words: dict[str, str]  # each stem's first surface word
    nones: list[tuple[float, str]]  # no-work phrases that fired: (weight, surface)
    rest: list[str]  # with no-work phrases: the stems of the line's other content words
    rest_cues: int  # with no-work phrases: progress/KTLO cues outside them
    symbols: str  # the line has no word at all: its emoji and symbols ("" otherwise)
    quiet: frozenset[str]  # words that say nothing about the work: no-work phrases, filler
    lowered: str


@lru_cache(maxsize=16384)
def _token(raw: str) -> tuple[str, str]:
    """A raw token without its trailing dot or colon, and its stem."""
    t = raw.strip(".:") or raw
    return t, _stem(t)


def _symbols_only(text: str) -> str:
    """The line's emoji and symbols when it has no letter or digit at all, else ""."""
    bare = _SYMBOLS.sub("", text).strip()
    if any(ch.isalnum() for ch in bare):
        return ""
    if _SYMBOLS.search(text) or any(unicodedata.category(ch) == "So" for ch in bare):
        return text.strip()
    return ""


def parts_of(text: str) -> Parts:
    """Everything the model and the reasons need from one item, read in one pass."""
    lowered = text.lower()
    raw = _WORD.findall(_SYMBOLS.sub(" ", lowered))
    tokens, stems = [], []
    for r in raw:
        t, st = _token(r)
        tokens.append(t)
        stems.append(st)
    cues: list[tuple[str, float, str]] = []
    nones: list[tuple[float, str]] = []
    covered: set[int] = set()
    spans: list[tuple[float, int, int, str]] = []
    work_spans: list[range] = []
    for c, a, b in _match_cues(tokens):
        surface = " ".join(raw[a:b]).strip(".,;:")
        if c.none:
            spans.append((c.weight, a, b, surface))
        else:
            cues.append((f"cue:{c.phrase}", c.weight, surface))
            work_spans.append(range(a, b))
    # overlapping no-work phrases ("out sick" and "sick") count once, the strongest
    for weight, a, b, surface in sorted(spans, key=lambda x: (-x[0], x[1] - x[2])):
        if not covered.intersection(range(a, b)):
            nones.append((weight, surface))
            covered.update(range(a, b))
    words: dict[str, str] = {}
    for s, t in zip(stems, tokens, strict=True):
        words.setdefault(s, t)
    unigrams = dict.fromkeys(s for s, t in zip(stems, tokens, strict=True) if t not in _STOP)
    feats = [*unigrams, *(f"{a}_{b}" for a, b in pairwise(stems))]
    if stems:
        feats.append(f"^{stems[0]}")
    feats += [c[0] for c in cues]
    if ROOT_FIX.search(lowered):
        feats.append("#rootfix")
    elif REPEAT.search(lowered):
        feats.append("#repeat")
    if len(tokens) >= 12:
        feats.append("#wordy")
    rest: list[str] = []
    rest_cues = 0
    if nones:
        rest_cues = sum(1 for r in work_spans if not covered.intersection(r)
                        and any(tokens[i] not in NONE_FILLER for i in r))
        rest = [s for i, (s, t) in enumerate(zip(stems, tokens, strict=True))
                if i not in covered and t not in NONE_FILLER and t not in _STOP
                and not _DATEISH.match(t)]
    return Parts(list(dict.fromkeys(feats)), len(unigrams), cues, words, nones, rest,
                  rest_cues, "" if tokens else _symbols_only(text),
                  frozenset(raw[i] for i in covered) | NONE_FILLER if nones else frozenset(),
                  lowered)


def token_set(text: str) -> frozenset[str]:
    """The line's distinct words other than stop words (what corrections compare)."""
    return frozenset(t for t in _WORD.findall(text.lower()) if t not in _STOP)
