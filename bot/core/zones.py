"""Time zones: the one rule for reading a member's or a workspace's zone, and wall-clock
times in a zone across DST.

Zones come from Slack (`users.info` `tz`) or from rows stored long ago, so a name may be one
this machine's tzdata does not know: `resolve_tz` / `zone` fall back to the workspace's zone,
then UTC, and never fail a tick. Nothing else in Headway calls `ZoneInfo` on a stored name.

Instants passed in must be timezone-aware (any zone); a naive datetime raises ValueError,
because `astimezone()` would silently read it as the *host's* local time. Instants returned
are in UTC.

DST rules (wall-clock times that do not exist, or exist twice, in a zone):
- Gap (spring forward): a wall time that is skipped is shifted forward by the length of the
  gap — 02:30 on a New York spring-forward day is 03:30 EDT, i.e. the same elapsed time
  after the gap's start as intended (PEP 495 `fold=0`). Not clamped to 03:00, so that every
  time in the gap keeps its order (02:15 before 02:45).
- Overlap (fall back): a wall time that happens twice is its first occurrence (still on
  summer time, `fold=0`).

Pure: nothing here reads the clock.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.model import Member
from bot.core.text import quoted

# Names ZoneInfo can load on some hosts but that mean "whatever this machine is set to":
# a member's schedule must not change when the bot moves to another server.
_HOST_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@functools.cache
def _known_zones() -> dict[str, str]:
    """Lower-cased IANA name → its canonical spelling, for case-insensitive lookups."""
    return {name.lower(): name for name in zoneinfo.available_timezones()
            if name not in _HOST_ZONES}


def validate_tz(name: str) -> str:
    """The canonical IANA name for `name` (case-insensitive); ValueError if unknown."""
    key = name.strip()
    canonical = _known_zones().get(key.lower(), key)
    if not key or canonical in _HOST_ZONES:
        raise ValueError(_tz_error(name))
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(_tz_error(name)) from None
    return canonical


def _tz_error(name: str) -> str:
    return (f"`{quoted(name)}` is not a time zone I know: use an IANA name like "
            "Europe/Berlin or America/New_York")


@functools.lru_cache(maxsize=1024)
def known_tz(name: str) -> str | None:
    """The canonical IANA name for `name` if this machine's tzdata knows it, else None."""
    try:
        return validate_tz(name)
    except ValueError:
        return None


def resolve_tz(name: str | None, *fallbacks: str | None) -> str:
    """The canonical name of the first zone this machine's tzdata knows among `name` and
    then `fallbacks` (the workspace's zone, say); "UTC" when none is known.

    Slack can send a zone newer than the host's tzdata, and a row stored before that was
    checked may hold anything: one unknown zone must never stop a tick. Callers that want
    to warn compare the result with what they passed in.
    """
    for candidate in (name, *fallbacks):
        if isinstance(candidate, str) and (known := known_tz(candidate)) is not None:
            return known
    return "UTC"


def zone(name: str | None, *fallbacks: str | None) -> ZoneInfo:
    """The ZoneInfo for `resolve_tz(name, *fallbacks)`: the one way Headway reads a zone."""
    return ZoneInfo(resolve_tz(name, *fallbacks))


def with_known_zone(member: Member, workspace_tz: str | None) -> Member:
    """`member` with a zone this machine knows: a row stored with a zone the tzdata lacks
    (or anything else) is read in the workspace's zone, then UTC."""
    tz = resolve_tz(member.tz, workspace_tz)
    return member if tz == member.tz else replace(member, tz=tz)


def require_aware(value: datetime, name: str) -> None:
    """ValueError unless `value` is timezone-aware (see the module docstring)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def local_date(instant: datetime, tz: str | None, *fallbacks: str | None) -> date:
    """The calendar date the wall clock of `zone(tz, *fallbacks)` shows at `instant`."""
    require_aware(instant, "instant")
    return instant.astimezone(zone(tz, *fallbacks)).date()


def local_occurrence(day: date, at: time, tz: str) -> datetime:
    """The instant (UTC) at which the wall clock in `tz` shows `day` `at`, DST-safe.

    Gap: shifted forward by the gap (02:30 → 03:30). Overlap: the first occurrence.
    """
    # PEP 495: with fold=0 a wall time inside a gap is read with the offset in force
    # *before* the transition, which lands it exactly `gap` later on the new clock, and a
    # repeated wall time is read as its first occurrence. Both are the module's rules.
    # `at` may carry its own tzinfo/fold; the member's zone decides, so drop them.
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    return wall.replace(tzinfo=zone(tz)).astimezone(UTC)

