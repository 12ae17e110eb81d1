"""Teams inside a workspace, as rules: what a team may be called, which team a command is
about, and which prompt pack a person in several teams is asked from. Pure: plain data in,
a `Team` or a `TeamChoice` error out.

Which team a command means, when it does not name one: the team whose digest goes to the
channel the command runs in; else the workspace's only team. Otherwise the person is told
which teams there are, never guessed for: a digest time set on the wrong team is a week of
digests at the wrong hour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.model import Team
from bot.core.text import safe

MAX_NAME = 40
DEFAULT_NAME = "Team"  # the default team's name when the workspace has no name either
# Words that introduce a team's name in a command (`team add @ana to Platform`): a team
# called one of them could not be told apart from the command's own words.
RESERVED = frozenset({"to", "from", "for", "here", "time", "create", "add", "remove", "lead",
                      "status", "off"})
_SLACK_REF = re.compile(r"[<>]|^[@#]")


def team_key(name: str) -> str:
    """What makes two names the same team: case and spacing do not count."""
    return " ".join(name.split()).casefold()


def check_team_name(text: str) -> str:
    """The name as it will be stored (spaces tidied), or ValueError saying what is wrong."""
    name = " ".join(text.split())
    if not name:
        raise ValueError("Give the team a name, e.g. `team create Platform`.")
    if len(name) > MAX_NAME:
        raise ValueError(f"A team name has at most {MAX_NAME} characters; "
                         f"`{safe(name, MAX_NAME)}` has {len(name)}.")
    if _SLACK_REF.search(name) or any(ch < " " for ch in name):
        raise ValueError(f"`{safe(name, MAX_NAME)}` is not a team name: use letters, "
                         f"digits and spaces, not mentions or #channels.")
    if team_key(name) in RESERVED:
        raise ValueError(f"`{safe(name)}` is a word Headway's commands use: pick another "
                         f"team name.")
    return name


@dataclass(frozen=True)
class TeamChoice(Exception):
    """No single team fits: `message` says why and which teams there are."""

    message: str

    def __str__(self) -> str:
        return self.message


def team_list(teams: Sequence[Team]) -> str:
    return ", ".join(f"*{safe(t.name)}*" for t in teams)


def which_team(teams: Sequence[Team], *, name: str | None, channel: str | None,
               verb: str = "for") -> Team:
    """The team a command is about: the one `name`d; else the one whose digest goes to
    `channel`; else the only one. TeamChoice otherwise (`verb` is how the command names a
    team: `to`, `from`, `for`)."""
    if name is not None:
        key = team_key(name)
        for team in teams:
            if team_key(team.name) == key:
                return team
        known = f" The teams are {team_list(teams)}." if teams else (
            " There are no teams yet: an admin creates one with `/headway team create "
            "<name>`.")
        raise TeamChoice(f"There is no team called *{safe(' '.join(name.split()), MAX_NAME)}*."
                         f"{known}")
    if channel is not None:
        for team in teams:
            if team.digest_channel == channel:
                return team
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise TeamChoice("There are no teams yet: an admin creates one with `/headway team "
                         "create <name>` (or `/headway digest here` in the team's channel).")
    raise TeamChoice(f"This workspace has {len(teams)} teams: say which, e.g. "
                     f"`{verb} {safe(teams[0].name)}`. The teams are {team_list(teams)}.")


def read_rename(text: str, teams: Sequence[Team], *,
                channel: str | None) -> tuple[Team, str]:
    """`team rename [<team> to] <new name>`: the team and its new name. The words before a
    `to` are the old name only when they name a team (so `Back to School` can be either);
    otherwise the whole text is the new name of the channel's team, or of the only team.
    TeamChoice or ValueError (a bad new name) otherwise."""
    words = text.split()
    for at, word in enumerate(words):
        if word.lower() == "to" and 0 < at < len(words) - 1:
            old = " ".join(words[:at])
            found = [t for t in teams if team_key(t.name) == team_key(old)]
            if found:
                return found[0], check_team_name(" ".join(words[at + 1:]))
    team = which_team(teams, name=None, channel=channel)
    return team, check_team_name(text)


def pack_of(teams_joined: Sequence[Team], workspace_pack: str) -> str:
    """The prompt pack a person is asked from: the pack of the first team they joined.

    Asked once a week however many teams they are in, so one pack must win; the first
    team's does not change when they join another, so nobody's questions switch under them
    because of someone else's team. With no team, the workspace's pack."""
    return teams_joined[0].pack if teams_joined else workspace_pack
