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

The naive Bayes model and the calibration are fitted at import time on the project's own
corpus (`corpus/train.tsv` and `teams_train.tsv`; dev splits for the calibration; in our
own words, ~0.1 s), so no weights file can drift from the data. The reasons are the
phrases in the item that contributed most towards the label — always words the member
wrote.

A workspace's corrections form an overlay: an item close enough to a corrected one (token
overlap) follows the correction, in that workspace only, because the caller passes only
that workspace's corrections.

Pure and offline: reads its packaged corpus once, no network, no dependencies.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from bot.core.calibration import platt_fit, sigmoid
from bot.core.corpora import read_corpus
from bot.core.model import LABELS, Classification, Label
from bot.core.text import STOP_WORDS
from bot.core.text import stem as shared_stem

# (phrase, weight): positive = progress, negative = KTLO. See the module docstring for how
# phrases match; a trailing space means "this last word exactly".
CUES: tuple[tuple[str, float], ...] = (
    # progress: building, improving, experimenting, learning, pursuing
    ("launch", 2.0), ("shipped", 1.6), ("ship ", 1.4), ("release", 0.6), ("built", 1.6),
    ("build ", 1.0), ("implement", 1.8), ("introduc", 1.8), ("new ", 1.4),
    ("first version", 1.8), ("first cut", 1.8), ("initial", 1.4), ("prototyp", 2.0),
    ("proof of concept", 2.0), ("spike", 1.4), ("experiment", 2.0), ("a/b", 2.0),
    ("pilot", 1.8), ("trial", 1.2), ("design", 1.0), ("redesign", 1.8), ("automat", 2.2),
    ("self-serve", 2.0), ("self-service", 2.0), ("improv", 1.6), ("speed up", 1.6),
    ("faster", 1.4), ("quicker", 1.4), ("reduc", 1.2), ("cut ", 1.0), ("eliminat", 1.6),
    ("for good", 2.5), ("root cause", 2.2), ("root-caus", 2.2), ("never again", 2.0),
    ("rfc", 1.4), ("proposal", 1.4), ("proposed", 1.4), ("propose", 1.4), ("strategy", 1.4),
    ("roadmap", 0.6), ("feature", 1.2), ("add ", 1.4), ("added", 1.4), ("adding", 1.4),
    ("adds ", 1.4), ("support for", 2.0), ("add support", 2.0), ("enable", 1.2),
    ("allow", 1.6), ("option", 1.2), ("configurable", 1.8), ("provide", 1.0),
    ("expose", 1.4), ("extend", 1.2), ("integrat", 1.2), ("refactor", 0.8),
    ("simplif", 1.4), ("mentor", 1.8), ("coach", 1.4), ("learn", 1.4), ("course", 1.4),
    ("certificat", 0.0), ("reading group", 1.6), ("workshop", 1.0), ("research", 1.4),
    ("discover", 1.2), ("interviewed", 0.8), ("customer interview", 1.8), ("opportunit", 1.6),
    ("partnership", 1.6), ("new market", 2.0), ("vertical", 1.4), ("expansion", 1.2),
    ("pricing", 1.0), ("forecast model", 1.6), ("model", 0.8), ("usability", 1.6),
    ("published", 1.2), ("negotiat", 1.0), ("won ", 1.2), ("first deal", 1.8),
    ("architecture", 1.2), ("okr", 1.0), ("initiative", 1.4), ("innovat", 1.8),
    ("created", 1.2), ("started", 0.8), ("kicked off", 1.2), ("playbook", 1.2),
    ("dashboard", 0.6), ("programme", 1.2), ("program ", 1.0), ("framework", 1.0),
    ("no more", 1.6), ("instead of", 1.2), ("without us", 1.6), ("so that", 0.6),
    ("on its own", 1.4), ("themselves", 1.2), ("one-click", 1.4), ("one click", 1.4),
    ("beta", 1.4), ("v1", 1.4), ("v2", 1.0), ("mvp", 1.6), ("roll out", 1.2),
    ("rolled out", 1.2), ("went live", 1.6), ("is live", 1.6), ("live for", 1.6),
    ("api for", 1.2), ("plugin", 0.8), ("async", 0.6), ("port ", 0.8), ("ported", 0.8),
    # KTLO: incidents, repeats, routine, support, compliance, meetings, admin, forced upgrades
    ("incident", -2.2), ("outage", -2.2), ("firefight", -2.4), ("on-call", -2.0),
    ("oncall", -2.0), ("on call", -2.0), ("pager", -2.0), ("paged", -2.0), ("pages", -1.0),
    ("p1", -2.0), ("p2", -1.6), ("sev1", -2.0), ("sev2", -2.0), ("sev ", -1.2),
    ("hotfix", -2.2), ("hot fix", -2.2), ("hotfixed", -2.2), ("patch", -1.6), ("again", -2.2),
    ("another", -1.0), ("as usual", -1.8), ("the usual", -1.6), ("same ", -0.8),
    ("restart", -2.0), ("reboot", -1.8), ("bounced", -1.6), ("rollback", -1.8),
    ("roll back", -1.8), ("rolled back", -1.8), ("revert", -2.0), ("fix ", -1.6),
    ("fixed", -1.6), ("fixes", -1.6), ("fixing", -1.6), ("fix:", -1.6), ("bugfix", -2.0),
    ("bug", -1.6), ("crash", -1.8), ("broken", -1.6), ("broke", -1.6), ("flaky", -1.2),
    ("hung", -1.6), ("stuck", -1.4), ("timeout", -1.0), ("backfill", -1.6), ("failed", -1.2),
    ("failing", -1.2), ("fails", -1.2), ("error", -1.4), ("exception", -1.6), ("npe", -2.0),
    ("null pointer", -2.0), ("leak", -1.6), ("deadlock", -1.8), ("race condition", -1.6),
    ("regression", -1.8), ("wrong", -1.6), ("incorrect", -1.6), ("correct ", -1.2),
    ("typo", -1.8), ("workaround", -1.8), ("work around", -1.8), ("issue", -1.2),
    ("problem", -0.8), ("prevent", -1.0), ("handle ", -0.8), ("resolve", -1.0),
    ("cve", -2.0), ("vulnerab", -1.6), ("security fix", -2.0), ("triag", -2.0),
    ("support queue", -2.2), ("queue", -0.8), ("ticket", -1.6), ("escalat", -1.8),
    ("support rotation", -2.2), ("support shift", -2.2), ("answered", -1.4),
    ("helpdesk", -2.0), ("password reset", -2.0), ("reset", -1.2), ("access request", -1.8),
    ("audit", -2.0), ("auditor", -2.0), ("compliance", -2.0), ("soc 2", -1.8), ("soc2", -1.8),
    ("sox", -1.8), ("gdpr", -1.2), ("access review", -1.8), ("questionnaire", -1.8),
    ("renew", -1.6), ("expir", -1.4), ("end of life", -1.8), ("end-of-life", -1.8),
    ("eol", -1.6), ("unsupported", -1.8), ("deprecat", -0.8), ("forced", -1.6),
    ("forces", -1.6), ("upgrad", -1.2), ("bump", -1.6), ("security update", -1.6),
    ("status meeting", -2.2), ("status update", -1.8), ("status call", -1.8),
    ("weekly sync", -1.8), ("sync ", -1.0), ("standup", -1.6), ("meeting", -1.2),
    ("vendor call", -1.4), ("1:1", -1.2), ("one-on-one", -1.2), ("admin ", -1.4),
    ("paperwork", -1.8), ("expense", -1.8), ("timesheet", -2.0), ("invoice", -1.0),
    ("payroll", -1.8), ("month-end", -1.6), ("month end", -1.6), ("the books", -1.6),
    ("report ", -0.6), ("routine", -2.0), ("maintenance", -1.6), ("cleanup", -1.0),
    ("clean up", -1.0), ("cleaned up", -1.0), ("backup", -1.0), ("monitor", -0.8),
    ("alert", -1.0), ("postmortem", -1.0), ("reconcil", -1.6), ("chasing", -1.6),
    ("chased", -1.6), ("recurring", -1.0), ("manual", -1.0), ("by hand", -1.2),
    ("keep the lights", -2.0), ("keeping the lights", -2.0), ("inbox", -1.2),
    ("scheduling", -1.0), ("approvals", -1.4), ("renewals", -1.6), ("filings", -1.6),
    ("filed the", -0.8), ("redlines", -1.4), ("ndas", -1.4), ("reviews", -0.8),
    ("review meeting", -1.6), ("covered", -1.2), ("covering", -1.2), ("backlog", -0.8),
    ("grooming", -1.6), ("reran", -1.6), ("re-ran", -1.6), ("rerun", -1.6),
    # every kind of team (issue 14): growth and new capability vs running what exists
    ("new logo", 2.0), ("quota", 1.2), ("upsell", 1.8), ("upsold", 1.8), ("cross-sold", 1.8),
    ("cross-sell", 1.8), ("expand", 1.6), ("go-live", 1.6), ("rewr", 1.2),
    ("new starter", -2.0), ("new hire", -1.6), ("new joiner", -2.0), ("usual", -1.2),
    ("payment run", -1.6), ("qbr", -1.4), ("rota ", -1.2), ("restock", -1.6),
    ("stock count", -1.6), ("stock take", -1.6), ("stocktake", -1.6), ("reschedul", -1.2),
)

# (phrase, weight): log-odds that the line says there was no work. Same matching rules as
# CUES. Absence, "nothing", and "same as before"; a phrase that names work ("parental leave
# policy", "covered for Jo who was off sick") is outvoted by the rest of the line.
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "all ", "most ", "the whole",
         "until", "till", "today", "this week", "half ")
NONE_CUES: tuple[tuple[str, float], ...] = (
    ("out sick", 3.0), ("off sick", 3.0), ("sick leave", 2.5), ("sick ", 2.0), ("sik ", 2.0),
    ("ill ", 1.5), ("flu ", 1.0), ("covid", 1.0), ("ooo", 3.0), ("out of office", 3.0),
    ("pto", 3.0), ("on leave", 3.0), ("on leav", 3.0), ("annual leave", 3.0),
    ("parental leave", 2.0),
    ("maternity leave", 2.5), ("paternity leave", 2.5), ("bereavement leave", 3.0),
    ("holiday", 2.0), ("vacation", 2.5), ("day off", 2.5), ("days off", 2.5),
    ("week off", 2.5), ("half term", 2.5), ("half-term", 2.5), ("jury ", 2.0),
    ("was off", 2.5), ("was out", 2.0), ("were off", 2.0), ("offline", 1.0),
    ("nothing", 2.5), ("nothin", 2.5), ("noting", 2.0), ("nothng", 2.5), ("nothign", 2.5),
    ("nuthin", 2.5), ("nada", 3.0), ("nil ", 3.0), ("none ", 3.0), ("n/a", 3.0),
    ("na ", 2.0), ("no update", 3.0), ("no updte", 3.0), ("not much", 2.5),
    ("quiet week", 2.0), ("don't have anything", 2.5), ("anything to report", 2.0),
    ("ditto", 3.5), ("dito ", 3.0), ("idem ", 3.0), ("same ", 1.0), ("same as", 2.0),
    ("see last", 3.0), ("see above", 3.0), ("see previous", 3.0), ("see my last", 3.0),
    ("as above", 3.0), ("as last week", 3.0), ("as last time", 3.0), ("no change", 2.0),
    ("pass ", 1.5), ("leave ", 1.5), ("family emergency", 2.5), ("funeral", 2.5),
    ("wedding", 2.0), ("personal reasons", 2.5), ("out for", 1.5), ("off for", 1.5),
    ("out at", 1.0),
    *((f"{verb} {day}", 2.5) for verb in ("out", "off", "away") for day in _DAYS),
)
# Words a line with no work uses around its phrase ("I was out most of the week, sorry"):
# they count for neither side.
NONE_FILLER: frozenset[str] = frozenset({
    "i", "i'm", "im", "me", "was", "am", "so", "sorry", "really", "honestly", "week", "weeks",
    "wek", "this", "last", "all", "most", "whole", "much", "mostly", "report", "reprot",
    "share", "shaer", "add", "say", "from", "back", "until", "till", "next", "since", "time",
    "today", "yesterday", "day", "days", "half", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur",
    "thurs", "fri", "sat", "sun", "worth", "anything", "don't", "dont", "have", "nothing",
    "happened", "little", "proper", "short", "update", "updates", "new", "here",
    "there", "side", "my", "of", "off", "out", "week's", "it", "not", "no", "as", "same",
    "above", "still", "but", "also", "be", "with", "on", "due", "because", "got",
    "catching", "breath", "quiet", "significant", "orders", "doctor's", "at", "home",
    "the", "a", "an", "and", "for", "to", "in", "is", "are", "that", "bit",
})
# Words that say the line goes on to the work done besides the absence.
WORK_MARKERS: frozenset[str] = frozenset({"rest", "then", "otherwise", "before", "after",
                                          "afterward", "while", "besides", "apart"})
_SYMBOLS = re.compile(r":[a-z0-9_+'\-]+:")
_DATEISH = re.compile(r"^\d+(?:st|nd|rd|th)?$|^\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?$")

# A fix that removes the cause for good is progress, whatever else it says.
ROOT_FIX = re.compile(
    r"\b(for good|root[- ]caus\w*|never (?:again|happens)|so (?:that )?(?:it|we|they|those) "
    r"(?:never|no longer|stop)|can(?:'t|not) happen|permanently|once and for all|"
    r"won't come back|stop coming)\b"
)
REPEAT = re.compile(
    r"\b(again|another|as usual|(?:second|third|fourth|fifth) time|same as last|"
    r"every (?:week|day|month)|recurring|yet another)\b"
)

_WORD = re.compile(r"[a-z0-9][a-z0-9'/+:.-]*[a-z0-9:]|[a-z0-9]")
_STOP = STOP_WORDS
SIMILAR = 0.5  # token-set Jaccard at which a correction decides an item
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
class _Parts:
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


def _parts(text: str) -> _Parts:
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
    return _Parts(list(dict.fromkeys(feats)), len(unigrams), cues, words, nones, rest,
                  rest_cues, "" if tokens else _symbols_only(text),
                  frozenset(raw[i] for i in covered) | NONE_FILLER if nones else frozenset(),
                  lowered)


def _features(text: str) -> tuple[list[str], list[tuple[str, float, str]], dict[str, str]]:
    """Model features of an item, the progress/KTLO cues that fired as (feature, weight,
    surface), and each stem's first surface word (reasons quote what the member wrote)."""
    p = _parts(text)
    return p.feats, p.cues, p.words


@dataclass(frozen=True)
class _Model:
    prior: float
    weights: dict[str, float]  # log P(f|progress) - log P(f|ktlo)
    none_words: frozenset[str]  # stems the `none` lines use more than the work lines


@dataclass(frozen=True)
class _Calibration:
    work: tuple[float, float]  # Platt (a, b) for p(progress | work) from the log-odds
    none: tuple[float, float]  # Platt (a, b) for p(none) from the no-work log-odds
    plain: float  # p(none) of a line with words and no no-work phrase


Row = tuple[Label, str, str, str]


def load_corpus(split: str) -> list[Row]:
    """One split of the packaged corpus as (label, team, style, text) rows."""
    return read_corpus(f"{split}.tsv", LABELS, "label")  # type: ignore[return-value]


def fit(rows: Iterable[tuple[str, str]], smoothing: float = SMOOTHING) -> _Model:
    """Multinomial naive Bayes over binary features from (label, text) pairs for progress
    vs KTLO; `none` rows teach which words lines with no work use."""
    return _fit([(label, _parts(text)) for label, text in rows], smoothing)


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


def _count(rows: Iterable[tuple[str, _Parts]]) -> _Counts:
    c = _Counts(Counter(), Counter(), Counter(), Counter(), Counter())
    for label, parts in rows:
        c.docs[label] += 1
        if label == "none":
            c.none_used.update(set(parts.rest))
            continue
        (c.progress if label == "progress" else c.ktlo).update(parts.feats)
        c.work_used.update(parts.feats[:parts.n_words])
    return c


def _fit(rows: Sequence[tuple[str, _Parts]], smoothing: float = SMOOTHING) -> _Model:
    return _model_of(_count(rows), smoothing)


def _model_of(c: _Counts, smoothing: float = SMOOTHING) -> _Model:
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
    return _Model(prior, weights, none_words)


def _rows(splits: Sequence[str]) -> list[tuple[str, str]]:
    return [(label, text) for split in splits for label, _, _, text in load_corpus(split)]


@lru_cache(maxsize=1)
def _fitted() -> tuple[_Model, _Calibration]:
    """The model, fitted on the train splits, and its calibration, fitted on scores of
    lines each scoring model never saw: the dev splits (scored by the model) and each
    fifth of the train splits (scored by a model fitted on the other four fifths)."""
    train = [(label, _parts(text)) for label, text in _rows(TRAIN)]
    folds = [train[k::FOLDS] for k in range(FOLDS)]
    counts = [_count(fold) for fold in folds]
    whole = sum(counts[1:], counts[0])
    model = _model_of(whole)
    unseen = [(label, _parts(text), model) for label, text in _rows(DEV)]
    for fold, fold_counts in zip(folds, counts, strict=True):
        others = _model_of(whole - fold_counts)
        unseen += [(label, parts, others) for label, parts in fold]
    return model, calibrate(unseen)


def _model() -> _Model:
    return _fitted()[0]


def _calibration() -> _Calibration:
    return _fitted()[1]


def _squash(score: float) -> float:
    """Naive Bayes log-odds grow with every word, far faster than the evidence does: the
    calibration is fitted on their logarithm (it fits unseen lines better than the score
    itself, on the train folds and on dev)."""
    return math.copysign(math.log1p(abs(score)), score)


def calibrate(scored: Sequence[tuple[str, _Parts, _Model]]) -> _Calibration:
    """Platt scaling of both log-odds from (label, parts, model that never saw them)."""
    work_s, work_y, none_s, none_y = [], [], [], []
    plain = plain_none = 0
    for label, parts, model in scored:
        if label != "none":
            work_s.append(_squash(_score(parts, model)[0]))
            work_y.append(label == "progress")
        z = _none_score(parts, model)
        if z is None:
            plain += 1
            plain_none += label == "none"
        else:
            none_s.append(z)
            none_y.append(label == "none")
    return _Calibration(platt_fit(work_s, work_y), platt_fit(none_s, none_y),
                        (plain_none + 0.5) / (plain + 1))


def _score(parts: _Parts, model: _Model, cue_scale: float | None = None
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


def _none_score(parts: _Parts, model: _Model) -> float | None:
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
    return _probabilities(_parts(text))[0]


def _probabilities(parts: _Parts) -> tuple[dict[Label, float], list[tuple[float, str]]]:
    model, cal = _model(), _calibration()
    score, evidence = _score(parts, model)
    p_progress = sigmoid(cal.work[0] * _squash(score) + cal.work[1])
    if not evidence:
        # Nothing recognisable: a coin toss, which `_base` settles as KTLO, so that
        # unlabelled routine does not inflate the progress share.
        p_progress = 0.5
    z = _none_score(parts, model)
    p_none = cal.plain if z is None else sigmoid(cal.none[0] * z + cal.none[1])
    return ({"progress": (1 - p_none) * p_progress, "ktlo": (1 - p_none) * (1 - p_progress),
             "none": p_none}, evidence)


_TIES: tuple[Label, ...] = ("ktlo", "progress", "none")  # on a tie, the first wins


def _base(text: str) -> Classification:
    parts = _parts(text)
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


def _tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in _WORD.findall(text.lower()) if t not in _STOP)


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
