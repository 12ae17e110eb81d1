"""What a command runs with: the settings, the Headway context, and the workspace it is
for."""

from __future__ import annotations

import html
from collections.abc import Collection

from bot import logsafety
from bot.cli.failures import UsageError
from bot.config import Settings, load_dotenv_file, settings_from_env
from bot.context import Headway, system_clock
from bot.core.model import Team
from bot.core.periods import parse_period
from bot.core.prompts import load_packs
from bot.core.teams import TeamChoice, which_team
from bot.store import Store


def settings(uses: Collection[str] | None = None) -> Settings:
    """From the environment, after `.env` (which does not override it). `uses`: the
    variables the command reads, the only ones checked (default: all)."""
    load_dotenv_file()
    return settings_from_env(uses=uses)


def reading(settings: Settings) -> Headway:
    """The context of a command that only reads (`--dry-run`): a missing database file is
    an error, not a new database, and nothing can be written."""
    store = Store.open(settings.db_path, create=False, write=False)
    return headway(settings, store, slack=False)


def checked_week(week: str | None) -> str | None:
    """`--week` as given, once it names a real ISO week (a UsageError says why not)."""
    if week:
        try:
            parse_period(week)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return week


def headway(settings: Settings, store: Store | None = None, *, slack: bool = True) -> Headway:
    """The app's context. `slack=False`: a command that only reads the database (no OAuth
    installation store is set up, so nothing is written)."""
    logsafety.install([settings.bot_token, settings.signing_secret, settings.app_token,
                       settings.client_secret])
    store = store or Store.open(settings.db_path)
    packs = load_packs(settings.prompts_dir)
    if slack and settings.oauth and not settings.bot_token:
        from bot.oauth import oauth_headway

        # many workspaces: each one's token comes from its installation
        return oauth_headway(settings, store, packs, clock=system_clock)
    return Headway(settings=settings, store=store, packs=packs, clock=system_clock)


def teams(store: Store, workspace_id: str, name: str | None) -> list[Team]:
    """The team `name`d (whatever its case), or every team of the workspace."""
    known = store.teams.of(workspace_id)
    if name is None:
        if not known:
            raise UsageError("this workspace has no team yet: run `/headway join` or "
                             "`/headway digest here` in Slack first")
        return known
    if not name.strip():  # `--team ""`: a shell variable left empty, say
        raise UsageError("--team needs a team's name (its name in `/headway teams`, any "
                         "case): the teams are "
                         + (", ".join(t.name for t in known) or "none yet"))
    try:
        return [which_team(known, name=name, channel=None)]
    except TeamChoice as choice:
        # The choice is worded for Slack: *bold* names, escaped text.
        raise UsageError(html.unescape(str(choice).replace("*", ""))) from None


def workspace(store: Store, workspace_id: str | None, *,
              include_uninstalled: bool = False) -> str:
    """The workspace a command is for: the one named, or the only one."""
    workspaces = store.workspaces.all(include_uninstalled=include_uninstalled)
    if workspace_id:
        if not any(t.workspace_id == workspace_id for t in workspaces):
            raise UsageError(f"unknown workspace {workspace_id!r}: known workspaces are "
                             f"{', '.join(t.workspace_id for t in workspaces) or 'none yet'}")
        return workspace_id
    if len(workspaces) == 1:
        return workspaces[0].workspace_id
    if not workspaces:
        raise UsageError("no workspace has used Headway yet: run `/headway join` in Slack first")
    raise UsageError("several workspaces: choose one with --workspace "
                     f"({', '.join(t.workspace_id for t in workspaces)})")
