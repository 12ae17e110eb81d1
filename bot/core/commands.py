"""The `/headway` command parser: text in, a `Command` or a specific `CommandError` out.

Pure: no Slack, no SQL. The text arrives as Slack sends it: `&`, `<` and `>` escaped as
`&amp;`, `&lt;`, `&gt;` (decoded here, before anything reads it) and, with the manifest's
`should_escape: true`, mentions as `<@U123|name>` and channels as `<#C123|name>`; those
are the forms parsed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from bot.core.reminders import DEFAULT_LEAD_HOURS, MAX_LEAD_HOURS, MIN_LEAD_HOURS
from bot.core.teams import check_team_name
from bot.core.text import from_slack, readable, safe
from bot.core.usage import (
    ACCESS,
    MAX_HOLIDAY_SPAN,
    MAX_PAUSE_WEEKS,
    MAX_RETENTION_MONTHS,
    USAGE,
    USAGE_LINE,
    Access,
)
from bot.core.when import parse_days, parse_hhmm


@dataclass(frozen=True)
class Command:
    name: str  # e.g. "join", "pause", "digest here", "team add"
    weeks: int | None = None
    months: int | None = None  # `retention`: None with flag=False means off
    at: time | None = None
    days: tuple[int, ...] | None = None
    day: int | None = None
    flag: bool | None = None
    users: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    pack: str | None = None
    quiet: tuple[time, time] | None = None
    dates: tuple[date, ...] = ()
    # The team named (`… to Platform`, `join Platform`, `team create Platform`), as typed
    # (tidied); None: the command did not name one (see `bot.core.teams.which_team`).
    team: str | None = None
    share: float | None = None  # `target`: the progress share aimed at, 0..1
    text: str | None = None  # `team rename`: what follows it, read against the teams
    hours: int | None = None  # `reminder`: hours before the digest

    def __post_init__(self) -> None:
        if self.name not in ACCESS:  # a parser bug: every command says who may run it
            raise ValueError(f"{self.name!r} is not in ACCESS")

    @property
    def access(self) -> Access:
        """Who may run it (see ACCESS)."""
        return ACCESS[self.name]

    @property
    def admin(self) -> bool:
        """Only admins may run it (Headway's, or for `admins add|remove` Slack's own)."""
        return self.access != "everyone"


@dataclass(frozen=True)
class CommandError(Exception):
    """Malformed input: `message` says what is wrong; `usage` shows the right form."""

    message: str
    usage: str = field(default=USAGE_LINE)

    def __str__(self) -> str:
        return self.message


_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_PACK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SIMPLE = {"now", "skip", "resume", "history", "export", "help", "teams"}


def _usage_of(syntax_prefix: str) -> str:
    for u in USAGE:
        if u.syntax.startswith(syntax_prefix):
            return f"Usage: `/headway {u.syntax}` — {u.summary}"
    return USAGE_LINE


def _clip(token: str) -> str:
    """A piece of the person's own text, repeated in an error: readable, cut and escaped,
    so that `/headway <!channel>` answers with `@channel`, not a ping."""
    return safe(readable(token), 40)


def parse_command(text: str) -> Command:
    """Parse the text after `/headway`, as Slack sends it (escaped). Raises CommandError
    with a specific message."""
    words = from_slack(text).split()
    if not words:
        return Command("help")
    head, rest = words[0].lower(), words[1:]

    if head == "export" and [w.lower() for w in rest] == ["team"]:
        return Command("export team")

    if head == "admins":
        return _parse_admins(rest)

    if head == "retention":
        usage = _usage_of("retention")
        if len(rest) != 1:
            raise CommandError("Say how many months to keep answers, e.g. `retention 12`, "
                               "or `retention off`.", usage)
        arg = rest[0].lower()
        if arg == "off":
            return Command("retention", flag=False)
        arg = arg.removesuffix("months").removesuffix("month").removesuffix("m")
        if not arg.isdigit() or not 1 <= int(arg) <= MAX_RETENTION_MONTHS:
            raise CommandError(f"`{_clip(rest[0])}` is not a number of months from 1 to "
                               f"{MAX_RETENTION_MONTHS}, or `off`.", usage)
        return Command("retention", months=int(arg), flag=True)

    if head in {"join", "leave"}:
        return Command(head, team=_team_name(rest, _usage_of(head)) if rest else None)

    if head == "stats":
        if not rest:
            return Command("stats")
        if rest[0].lower() != "team":
            raise CommandError("Say `stats` for yours, or `stats team [<name>]` for a team's.",
                               _usage_of("stats team"))
        return Command("stats team", team=_team_name(rest[1:], _usage_of("stats team"))
                       if rest[1:] else None)

    if head == "target":
        return _parse_target(rest)

    if head in {"reminder", "reminders"}:
        return _parse_reminder(rest)
    if head == "problems":
        return Command("problems", team=_team_name(rest, _usage_of("problems"))
                       if rest else None)

    if head in _SIMPLE:
        if rest:
            raise CommandError(f"`{head}` takes no arguments.", _usage_of(head))
        return Command(head)

    if head == "pause":
        if len(rest) != 1:
            raise CommandError("Say how many weeks to pause, e.g. `pause 2`.", _usage_of("pause"))
        arg = rest[0].lower().removesuffix("w").removesuffix("weeks").removesuffix("week")
        if not arg.isdigit() or not 1 <= int(arg) <= MAX_PAUSE_WEEKS:
            raise CommandError(
                f"`{_clip(rest[0])}` is not a number of weeks from 1 to {MAX_PAUSE_WEEKS}.",
                _usage_of("pause"),
            )
        return Command("pause", weeks=int(arg))

    if head == "time":
        if not rest:
            raise CommandError("Give a time, e.g. `time 09:30` or `time 16:00 mon-fri`.",
                               _usage_of("time"))
        try:
            at = parse_hhmm(rest[0])
        except ValueError as exc:
            raise CommandError(safe(str(exc)), _usage_of("time")) from None
        days = None
        if len(rest) > 1:
            try:
                days = parse_days(" ".join(rest[1:]))
            except ValueError as exc:
                raise CommandError(safe(str(exc)), _usage_of("time")) from None
        return Command("time", at=at, days=days)

    if head == "quiet":
        return _parse_quiet(rest)

    if head == "holidays" or head == "holiday":
        return _parse_holidays(rest)

    if head == "anonymous":
        if len(rest) != 1 or rest[0].lower() not in {"on", "off"}:
            raise CommandError("Say `anonymous on` or `anonymous off`.", _usage_of("anonymous"))
        return Command("anonymous", flag=rest[0].lower() == "on")

    if head == "forget":
        if [w.lower() for w in rest] != ["me"]:
            raise CommandError("To delete your data, type `forget me`.", _usage_of("forget"))
        return Command("forget me")

    if head == "digest":
        return _parse_digest(rest)

    if head == "team":
        return _parse_team(rest)

    if head == "rollup":
        return _parse_rollup(rest)

    if head == "prompts":
        args, team = _split_team(rest, "for", _usage_of("prompts"))
        if len(args) != 1 or not _PACK.match(args[0].lower()):
            raise CommandError("Name one prompt pack, e.g. `prompts default`.",
                               _usage_of("prompts"))
        return Command("prompts", pack=args[0].lower(), team=team)

    raise CommandError(f"I don't know `{_clip(words[0])}`.")


def _parse_digest(rest: list[str]) -> Command:
    sub = rest[0].lower() if rest else ""
    if sub in {"preview", "here"}:
        usage = _usage_of(f"digest {sub}")
        return Command(f"digest {sub}", team=_team_name(rest[1:], usage) if rest[1:] else None)
    if sub == "time":
        usage = _usage_of("digest time")
        day, at, team = _day_and_time(rest[1:], usage, "digest time mon 09:00", "digest")
        return Command("digest time", day=day, at=at, team=team)
    raise CommandError(
        "Say `digest preview`, `digest here` or `digest time <day> <HH:MM>`.",
        "Usage: `/headway digest preview | digest here | digest time <day> <HH:MM>`",
    )


def _day_and_time(rest: list[str], usage: str, example: str,
                  what: str) -> tuple[int, time, str | None]:
    """`<day> <HH:MM> [for <name>]`: one weekday, a time, and maybe a team."""
    args, team = _split_team(rest, "for", usage)
    if len(args) != 2:
        raise CommandError(f"Give a day and a time, e.g. `{example}`.", usage)
    try:
        days = parse_days(args[0])
    except ValueError as exc:
        raise CommandError(safe(str(exc)), usage) from None
    if len(days) != 1:
        raise CommandError(f"The {what} goes out once a week: name one day, "
                           f"not `{_clip(args[0])}`.", usage)
    try:
        at = parse_hhmm(args[1])
    except ValueError as exc:
        raise CommandError(safe(str(exc)), usage) from None
    return days[0], at, team


def _parse_rollup(rest: list[str]) -> Command:
    sub = rest[0].lower() if rest else ""
    if sub in {"here", "preview"} and len(rest) == 1:
        return Command(f"rollup {sub}")
    if sub == "time":
        usage = _usage_of("rollup time")
        day, at, team = _day_and_time(rest[1:], usage, "rollup time mon 10:00", "rollup")
        if team is not None:
            raise CommandError("The rollup is the whole workspace's: it takes no team.", usage)
        return Command("rollup time", day=day, at=at)
    raise CommandError("Say `rollup here`, `rollup time <day> <HH:MM>` or `rollup preview`.",
                       "Usage: `/headway rollup here | rollup time <day> <HH:MM> | "
                       "rollup preview`")


def _parse_target(rest: list[str]) -> Command:
    usage = _usage_of("target")
    args, team = _split_team(rest, "for", usage)
    if len(args) == 2 and args[1] == "%":  # `target 40 %`, as many write it
        args = [args[0] + "%"]
    if len(args) != 1:
        raise CommandError("Give the progress share to aim for, e.g. `target 40%`, or "
                           "`target off`.", usage)
    arg = args[0].lower()
    if arg == "off":
        return Command("target", flag=False, team=team)
    number = arg.removesuffix("%")
    if not number.isdigit() or not 1 <= int(number) <= 100:
        raise CommandError(f"`{_clip(args[0])}` is not a share from 1% to 100%, or `off`.",
                           usage)
    return Command("target", flag=True, share=int(number) / 100, team=team)


def _parse_reminder(rest: list[str]) -> Command:
    usage = _usage_of("reminder")
    args, team = _split_team(rest, "for", usage)
    if len(args) != 1:
        raise CommandError("Say how many hours before the digest to remind whoever has not "
                           "answered, e.g. `reminder 24`, or `reminder off`.", usage)
    arg = args[0].lower()
    if arg in {"off", "on"}:
        on = arg == "on"
        return Command("reminder", flag=on, hours=DEFAULT_LEAD_HOURS if on else None,
                       team=team)
    number = arg.removesuffix("hours").removesuffix("hour").removesuffix("h")
    if not number.isdigit() or not MIN_LEAD_HOURS <= int(number) <= MAX_LEAD_HOURS:
        raise CommandError(f"`{_clip(args[0])}` is not a number of hours from "
                           f"{MIN_LEAD_HOURS} to {MAX_LEAD_HOURS}, or `off`.", usage)
    return Command("reminder", flag=True, hours=int(number), team=team)


def _team_name(words: list[str], usage: str) -> str:
    """A team's name: the rest of the command's words."""
    try:
        return check_team_name(" ".join(words))
    except ValueError as exc:
        raise CommandError(str(exc), usage) from None


def _split_team(words: list[str], verb: str, usage: str) -> tuple[list[str], str | None]:
    """`… <verb> <name>`: the words before the first `verb`, and the name after it (None
    when the command names no team). The first: what comes before it (mentions, a share,
    a day and time) never holds the word, while a team's name may (`Back to School`)."""
    lowered = [w.lower() for w in words]
    if verb not in lowered:
        return words, None
    at = lowered.index(verb)
    if at == len(words) - 1:
        raise CommandError(f"Name the team after `{verb}`, e.g. `{verb} Platform`.", usage)
    return words[:at], _team_name(words[at + 1:], usage)


def _parse_quiet(rest: list[str]) -> Command:
    usage = _usage_of("quiet")
    if len(rest) == 1 and rest[0].lower() == "off":
        return Command("quiet", quiet=None)
    text = "".join(rest)
    if not text:
        raise CommandError("Give the hours to keep quiet, e.g. `quiet 20:00-08:00`, "
                           "or `quiet off`.", usage)
    parts = text.split("-")
    if len(parts) != 2:
        raise CommandError(f"`{_clip(' '.join(rest))}` is not a range of hours: write it like "
                           f"`20:00-08:00`.", usage)
    try:
        begin, end = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    except ValueError as exc:
        raise CommandError(safe(str(exc)), usage) from None
    if begin == end:
        raise CommandError("Quiet hours that begin when they end are empty: say `quiet off` "
                           "to have none.", usage)
    return Command("quiet", quiet=(begin, end))


def _parse_date(token: str, usage: str) -> date:
    try:
        return date.fromisoformat(token)
    except ValueError:
        raise CommandError(f"`{_clip(token)}` is not a date: write it like 2026-12-24.",
                           usage) from None


def _parse_holidays(rest: list[str]) -> Command:
    sub = rest[0].lower() if rest else ""
    if not rest or (sub == "list" and len(rest) == 1):
        return Command("holidays")
    if sub not in {"add", "remove"}:
        raise CommandError("Say `holidays`, `holidays add <date> [<to date>]` or "
                           "`holidays remove <date> [<to date>]`.", _usage_of("holidays add"))
    usage = _usage_of(f"holidays {sub}")
    args = [w for w in rest[1:] if w.lower() not in {"to", "-", "–"}]
    if not 1 <= len(args) <= 2:
        raise CommandError("Give one date, or a first and a last date, e.g. "
                           "`holidays add 2026-12-24 2026-12-26`.", usage)
    first = _parse_date(args[0], usage)
    last = _parse_date(args[1], usage) if len(args) == 2 else first
    if last < first:
        raise CommandError(f"{last} comes before {first}: put the first day first.", usage)
    span = (last - first).days + 1
    if span > MAX_HOLIDAY_SPAN:
        raise CommandError(f"That is {span} days; add at most {MAX_HOLIDAY_SPAN} at a time "
                           f"(for a longer break, members can `pause`).", usage)
    days = tuple(first + timedelta(days=i) for i in range(span))
    return Command(f"holidays {sub}", dates=days)


def _parse_admins(rest: list[str]) -> Command:
    if not rest:
        return Command("admins")
    sub = rest[0].lower()
    if sub not in {"add", "remove"}:
        raise CommandError("Say `admins`, `admins add @people` or `admins remove @people`.",
                           _usage_of("admins add"))
    usage = _usage_of("admins add")
    users, _ = _mentions(rest[1:], usage, channels=False)
    if not users:
        raise CommandError("Name at least one person.", usage)
    return Command(f"admins {sub}", users=users)


_TEAM_VERB = {"add": "to", "remove": "from", "lead": "for"}


def _parse_team(rest: list[str]) -> Command:
    sub = rest[0].lower() if rest else ""
    if sub == "create":
        usage = _usage_of("team create")
        if not rest[1:]:
            raise CommandError("Give the team a name, e.g. `team create Platform`.", usage)
        return Command("team create", team=_team_name(rest[1:], usage))
    if sub in {"rename", "delete"}:
        usage = _usage_of(f"team {sub}")
        if not rest[1:]:
            raise CommandError("Name the team, e.g. `team delete Platform`." if sub == "delete"
                               else "Give the new name, e.g. `team rename Platform to Core`.",
                               usage)
        if sub == "delete":
            return Command("team delete", team=_team_name(rest[1:], usage))
        # Which words are the old name is settled against the teams there are
        # (`bot.core.teams.read_rename`): a name may hold `to` itself.
        return Command("team rename", text=" ".join(rest[1:]))
    if sub == "status":
        usage = _usage_of("team status")
        args = rest[1:]
        if args and args[0].lower() == "for":  # `team status for Platform` reads as well
            if len(args) == 1:
                raise CommandError("Name the team after `for`, e.g. `for Platform`.", usage)
            args = args[1:]
        return Command("team status", team=_team_name(args, usage) if args else None)
    if sub not in _TEAM_VERB:
        raise CommandError("Say `team create <name>`, `team add @people|#channel`, "
                           "`team remove @people`, `team lead @people` or `team status`.",
                           "Usage: `/headway team create <name> | team add @people|#channel "
                           "[to <team>] | team remove @people [from <team>] | team lead "
                           "[remove] @people [for <team>] | team status [<team>]`")
    name = f"team {sub}"
    args = rest[1:]
    if sub == "lead" and args and args[0].lower() == "remove":
        name, args = "team lead remove", args[1:]
    usage = _usage_of(name)
    args, team = _split_team(args, _TEAM_VERB[sub], usage)
    users, channels = _mentions(args, usage, channels=True)
    if sub != "add" and channels:
        raise CommandError(f"`{name}` takes people, not channels.", usage)
    if not users and not channels:
        raise CommandError(f"Name at least one person{' or channel' if sub == 'add' else ''}.",
                           usage)
    return Command(name, users=users, channels=channels, team=team)


def _mentions(tokens: list[str], usage: str, *,
              channels: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The people and (with `channels`) the channels named, in first-mention order without
    repeats; commas between them are fine. Anything else is a specific CommandError."""
    users: list[str] = []
    found: list[str] = []
    for token in tokens:
        token = token.strip(",")
        if not token:
            continue
        if m := _USER.match(token):
            users.append(m.group(1))
        elif channels and (m := _CHANNEL.match(token)):
            found.append(m.group(1))
        elif not channels:
            raise CommandError(f"`{_clip(token)}` is not a @mention: pick people from "
                               f"Slack's autocomplete.", usage)
        elif token.startswith(("@", "#")):
            raise CommandError(
                f"I can't tell who `{_clip(token)}` is: pick them from Slack's autocomplete "
                f"so the mention becomes a link.",
                usage,
            )
        else:
            raise CommandError(f"`{_clip(token)}` is not a @mention or a #channel.", usage)
    return tuple(dict.fromkeys(users)), tuple(dict.fromkeys(found))
