"""What the `/headway` commands are: who may run each, and the usage text `help`, the
CLI's `headway help` and the parser's errors show. Pure data; the parser is
`bot.core.commands`.

The README's table of slash commands repeats these lines, and the manifest names the
command: `tests/test_every_command.py` checks that every command has one line here, one
row there and one handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MAX_PAUSE_WEEKS = 52
MAX_HOLIDAY_SPAN = 31  # days in one `holidays add`: a typo'd year should not mute a year
MAX_RETENTION_MONTHS = 120


Access = Literal["everyone", "lead", "admin", "workspace admin"]

# Every command the parser returns, and who may run it: everyone; the leads of the team it
# is about, and Headway's admins (`lead`); Headway's admins (Slack's workspace admins and
# owners, and the members they named with `admins add`); or Slack's workspace admins and
# owners alone (naming admins: a named admin cannot widen the circle). The listeners check
# this before a command runs, once, for every command.
ACCESS: dict[str, Access] = {
    "help": "everyone",
    "join": "everyone",
    "leave": "everyone",
    "now": "everyone",
    "skip": "everyone",
    "pause": "everyone",
    "resume": "everyone",
    "time": "everyone",
    "quiet": "everyone",
    "history": "everyone",
    "stats": "everyone",
    "anonymous": "everyone",
    "export": "everyone",
    "forget me": "everyone",
    "digest preview": "everyone",
    "holidays": "everyone",
    "admins": "everyone",
    "teams": "everyone",
    "stats team": "everyone",
    "problems": "everyone",
    "digest time": "lead",
    "team add": "lead",
    "team remove": "lead",
    "target": "lead",
    "prompts": "lead",
    "team status": "lead",
    "reminder": "lead",
    "digest here": "admin",
    "team create": "admin",
    "team lead": "admin",
    "team rename": "admin",
    "team delete": "admin",
    "team lead remove": "admin",
    "holidays add": "admin",
    "holidays remove": "admin",
    "export team": "admin",
    "retention": "admin",
    # The rollup goes to a channel an admin chose for the leaders, and names each team's
    # figures and top firefight (which may come from a private team channel): its
    # preview is an admin's too, so it shows no one more than that channel does.
    "rollup here": "admin",
    "rollup time": "admin",
    "rollup preview": "admin",
    "admins add": "workspace admin",
    "admins remove": "workspace admin",
}


def commands_in(syntax: str) -> tuple[str, ...]:
    """The commands a line of usage documents (`help`'s, or a row of the README's table):
    for each reading of its `a|b` alternatives, the longest run of its first words that
    names a command. `admins add|remove @people` documents `admins add` and `admins
    remove`; `anonymous on|off` and `quiet <HH:MM>-<HH:MM>|off` one command each."""
    readings: list[list[str]] = [[]]
    for word in syntax.split():
        readings = [[*words, alt] for words in readings for alt in word.split("|")]
    found: dict[str, None] = {}
    for words in readings:
        for n in range(len(words), 0, -1):
            if (name := " ".join(words[:n]).lower()) in ACCESS:
                found[name] = None
                break
    return tuple(found)


@dataclass(frozen=True)
class Usage:
    syntax: str
    summary: str

    @property
    def admin(self) -> bool:
        """It documents a command only admins may run (marked _(admin)_ in `help`)."""
        return any(ACCESS[name] in ("admin", "workspace admin")
                   for name in commands_in(self.syntax))

    @property
    def lead(self) -> bool:
        """It documents a command a team's leads may run, and admins (_(team lead)_)."""
        return any(ACCESS[name] == "lead" for name in commands_in(self.syntax))


# One line each, in the order `help` shows them. The README and manifest repeat these.
USAGE: tuple[Usage, ...] = (
    Usage("join [<team>]", "start getting Headway's weekly questions by DM (in a team)"),
    Usage("leave [<team>]", "stop getting them, or leave one team (your answers stay "
          "until you `forget me`)"),
    Usage("now", "ask me this week's question right now"),
    Usage("skip", "skip this week"),
    Usage("pause <weeks>", f"no questions for 1–{MAX_PAUSE_WEEKS} weeks"),
    Usage("resume", "end a pause"),
    Usage("time <HH:MM> [days]", "when to ask me, in my time zone, e.g. `time 16:30 mon,thu`"),
    Usage("quiet <HH:MM>-<HH:MM>|off", "never ask me in these hours, e.g. `quiet 20:00-08:00`"),
    Usage("history", "my recent answers (edit those given in the form)"),
    Usage("stats", "my progress share over recent weeks"),
    Usage("stats team [<team>]", "a team's last 13 weeks against its target"),
    Usage("teams", "each team: channel, members, schedule, target, leads"),
    Usage("problems [<team>]", "a team's tracked problems: status, owner, weeks they cost, "
          "with buttons to move them"),
    Usage("anonymous on|off", "show my answers in the digest without my name"),
    Usage("export", "send me my data as a file"),
    Usage("forget me", "delete everything Headway stores about me"),
    Usage("digest preview [<team>]", "show me this week's digest so far, only to me"),
    Usage("digest here [<team>]", "post the team's weekly digest in this channel"),
    Usage("digest time <day> <HH:MM> [for <team>]",
          "when the team's digest is posted, e.g. `mon 09:00`"),
    Usage("team create <name>", "a new team; run in a channel, that channel gets its digest"),
    Usage("team rename [<team> to] <new name>", "rename a team (in its channel, the old name "
          "may be left out)"),
    Usage("team delete <team>", "delete a team: its members, leads and tracked problems; "
          "its posted digests stay in Slack"),
    Usage("team add @people|#channel [to <team>]", "enrol people, or everyone in a channel"),
    Usage("team remove @people [from <team>]", "take people out of a team"),
    Usage("team lead @people [for <team>]",
          "let people manage a team: members, digest time, target, prompts"),
    Usage("team lead remove @people [for <team>]", "they no longer manage the team"),
    Usage("target <percent>|off [for <team>]", "the progress share a team aims for, "
          "e.g. `target 40%`"),
    Usage("prompts <pack> [for <team>]", "switch a team's prompt pack"),
    Usage("team status [<team>]", "who has not answered this week yet (anonymous members "
          "are never named)"),
    Usage("reminder <hours>|off [for <team>]", "one gentle reminder to whoever has not "
          "answered, that many hours before the team's digest (default 24)"),
    Usage("rollup here", "post the leaders' weekly rollup of every team in this channel"),
    Usage("rollup time <day> <HH:MM>", "when the rollup is posted, e.g. `mon 10:00` (after "
          "the teams' digests)"),
    Usage("rollup preview", "show me this week's rollup so far, only to me"),
    Usage("holidays", "list the workspace's holidays (no questions on those days)"),
    Usage("holidays add <date> [<to date>]", "no questions on these days, e.g. "
          "`holidays add 2026-12-24 2026-12-26`"),
    Usage("holidays remove <date> [<to date>]", "take days off the holiday list"),
    Usage("admins", "who may use the admin commands"),
    Usage("admins add|remove @people", "let people use the admin commands, or stop them"),
    Usage("export team", "send me the team's answers as a file (anonymous authors hidden, "
          "reflections left out)"),
    Usage("retention <months>|off", "delete answers older than that many months"),
    Usage("help", "this list"),
)

USAGE_LINE = "Usage: `/headway " + " | ".join(
    dict.fromkeys(u.syntax.split(" ")[0] for u in USAGE if u.syntax != "help")
) + " | help`"


def help_text(is_admin: bool = True) -> str:
    """The `help` answer (Slack mrkdwn); admin-only lines are marked."""
    lines = ["*Headway* asks a short weekly question by DM and posts a team digest.", ""]
    for u in USAGE:
        mark = " _(admin)_" if u.admin else " _(team lead)_" if u.lead else ""
        if u.admin and not is_admin:
            continue
        lines.append(f"• `/headway {u.syntax}` — {u.summary}{mark}")
    return "\n".join(lines)
