"""The effort behind the share: how much of their week members say went to keeping the
lights on, and the team's time-weighted KTLO share from it. Pure: plain data in and out,
so the digest, App Home and the leaders' rollup all compute it the same way.

Each item of an answer counts once in the item share, whether it was a typo fix or three
days on a P1. The effort question asks for the other measure: with the weekly `work`
question, one tap — none, a quarter, half, three quarters, nearly all. The time-weighted
share is the mean of those fractions, each person-week counting once.

It is shown only when **enough** people answered (`enough`): at least `MIN_ANSWERS`, and at
least half of those who replied that week. Fewer, and one person's "nearly all" would
read as the team's week — and with one or two answers, everyone could tell whose it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

EffortChoice = Literal["none", "quarter", "half", "three_quarters", "nearly_all"]
EFFORT_CHOICES: tuple[EffortChoice, ...] = ("none", "quarter", "half", "three_quarters",
                                            "nearly_all")
# The fraction of the week each answer stands for. "Nearly all" is 0.9, not 1: whoever
# says it still answered Headway, and 90% keeps one such week from reading as "all".
EFFORT_FRACTION: dict[EffortChoice, float] = {
    "none": 0.0, "quarter": 0.25, "half": 0.5, "three_quarters": 0.75, "nearly_all": 0.9,
}
EFFORT_QUESTION = "Roughly how much of your week went to keeping the lights on?"
# Button captions, and how App Home and the nudge repeat a member's answer.
EFFORT_CAPTIONS: dict[EffortChoice, str] = {
    "none": "None", "quarter": "A quarter", "half": "Half", "three_quarters": "Three quarters",
    "nearly_all": "Nearly all",
}
EFFORT_SAID: dict[EffortChoice, str] = {
    "none": "none of it", "quarter": "about a quarter", "half": "about half",
    "three_quarters": "about three quarters", "nearly_all": "nearly all of it",
}

MIN_ANSWERS = 3  # people, whatever the team's size


@dataclass(frozen=True)
class EffortAnswer:
    """One member's answer for one period."""

    user_id: str
    period: str
    choice: EffortChoice


@dataclass(frozen=True)
class EffortShare:
    """The time-weighted KTLO share of a set of answers, and how many person-weeks it
    averages (the digest says "from N people")."""

    share: float  # 0–1: the mean fraction of the week that went to keeping the lights on
    answered: int


def is_choice(value: object) -> bool:
    return value in EFFORT_FRACTION


def enough(answered: int, replied: int) -> bool:
    """Whether `answered` effort answers may stand for a week in which `replied` people
    replied: at least MIN_ANSWERS, and at least half of those who replied."""
    return answered >= MIN_ANSWERS and 2 * answered >= replied


def _latest_per_person_week(answers: Iterable[EffortAnswer]) -> list[EffortAnswer]:
    """One answer per (user, period): a person-week counts once (the last one given wins,
    as the store keeps it)."""
    kept: dict[tuple[str, str], EffortAnswer] = {}
    for answer in answers:
        kept[(answer.user_id, answer.period)] = answer
    return list(kept.values())


def effort_summary(answers: Iterable[EffortAnswer], replied: int = 0) -> EffortShare | None:
    """The time-weighted KTLO share of `answers`, or None when they are not `enough` for a
    week in which `replied` people replied. Answers of several periods (a quarter, for
    the rollup) are averaged person-week by person-week; `replied` is then the caller's
    count of person-weeks replied."""
    counted = _latest_per_person_week(answers)
    if not counted or not enough(len(counted), replied):
        return None
    share = sum(EFFORT_FRACTION[a.choice] for a in counted) / len(counted)
    return EffortShare(share=share, answered=len(counted))


def effort_share(answers: Iterable[EffortAnswer], replied: int = 0) -> float | None:
    """The time-weighted KTLO share (0–1) of `answers`, or None when not enough answered
    (see `effort_summary`)."""
    summary = effort_summary(answers, replied)
    return None if summary is None else summary.share
