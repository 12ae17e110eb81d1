"""Every `/headway` command the parser returns has exactly one handler, one line in `help`
and one row in the README's table of slash commands — and the README and `help` say who
may run it. A command added to one place and not the others fails here, by name."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.core.commands import parse_command
from bot.core.usage import ACCESS, USAGE, commands_in, help_text
from bot.listeners import commands as listener
from bot.listeners.commands.request import Handler, fast

README = Path(__file__).resolve().parents[1] / "README.md"

# A text that parses to each command, as a person would type it.
SAMPLES = {
    "help": "help", "join": "join", "leave": "leave", "now": "now", "skip": "skip",
    "pause": "pause 2", "resume": "resume", "time": "time 09:30", "quiet": "quiet off",
    "history": "history", "stats": "stats", "anonymous": "anonymous on", "export": "export",
    "forget me": "forget me", "digest preview": "digest preview", "digest here": "digest here",
    "digest time": "digest time mon 09:00", "team add": "team add <@U1|ada> <#C1|general>",
    "team remove": "team remove <@U1>", "prompts": "prompts default", "holidays": "holidays",
    "holidays add": "holidays add 2026-12-24", "holidays remove": "holidays remove 2026-12-24",
    "admins": "admins", "admins add": "admins add <@U1>", "admins remove": "admins remove <@U1>",
    "export team": "export team", "retention": "retention 12",
    "teams": "teams", "stats team": "stats team Platform", "team create": "team create Sales",
    "team rename": "team rename Sales to Revenue", "team delete": "team delete Sales",
    "team lead": "team lead <@U1> for Sales", "team lead remove": "team lead remove <@U1>",
    "target": "target 40% for Sales", "problems": "problems Platform",
    "rollup here": "rollup here", "rollup time": "rollup time mon 10:00",
    "rollup preview": "rollup preview",
    "team status": "team status Sales", "reminder": "reminder 12h for Sales",
}


def _exactly_once(where: str, found: Counter[str]) -> None:
    missing = sorted(set(ACCESS) - set(found))
    twice = sorted(name for name, n in found.items() if n > 1)
    unknown = sorted(set(found) - set(ACCESS))
    assert not (missing or twice or unknown), (
        f"{where}: missing {missing}, more than once {twice}, not a command {unknown}")


def readme_rows() -> list[tuple[list[str], str]]:
    """The README's slash-command table ("## Using it"): each row's syntaxes (the
    backquoted forms of its first cell, `\\|` read as `|`) and what it says it does."""
    text = README.read_text()
    table = text[text.index("| `/headway …` | what it does |"):]
    table = table[:table.index("\n\n")]
    rows = []
    for line in table.splitlines()[2:]:
        first, does = re.fullmatch(r"\| (.+?) \| (.+) \|", line.replace("\\|", "\0")).groups()
        rows.append(([s.replace("\0", "|") for s in re.findall(r"`([^`]+)`", first)],
                     does.replace("\0", "|")))
    return rows


def test_the_parser_returns_every_command_in_access_and_no_other():
    parsed = {name: parse_command(text).name for name, text in SAMPLES.items()}
    assert parsed == {name: name for name in SAMPLES}
    assert set(SAMPLES) == set(ACCESS)


def test_every_command_has_exactly_one_handler():
    found = Counter(name for module in listener.MODULES for name in module.HANDLERS)
    _exactly_once("handlers in bot/listeners/commands/", found)
    assert set(listener.HANDLERS) == set(ACCESS)


def test_every_command_has_exactly_one_line_in_help():
    lines = re.findall(r"^• `/headway (.+?)` — ", help_text(), flags=re.MULTILINE)
    assert len(lines) == len(USAGE) > 20  # canary: the pattern read the real lines
    _exactly_once("`help`", Counter(name for syntax in lines for name in commands_in(syntax)))


def test_every_command_has_exactly_one_row_in_the_readme():
    rows = readme_rows()
    # canary: the real table
    assert len(rows) > 15 and rows[0][0] == ["join [<team>]", "leave [<team>]"]
    found: Counter[str] = Counter()
    for syntaxes, _ in rows:
        names = {name for syntax in syntaxes for name in commands_in(syntax)}
        assert names, f"README row {syntaxes} names no command"
        found.update(names)
    _exactly_once("README's slash-command table", found)


def test_help_and_the_readme_say_which_commands_are_for_admins():
    for line in help_text().splitlines():
        if m := re.match(r"• `/headway (.+?)` — ", line):
            access = {ACCESS[n] for n in commands_in(m.group(1))}
            mark = ("_(admin)_" if access & {"admin", "workspace admin"}
                    else "_(team lead)_" if "lead" in access else None)
            assert (line.endswith(mark) if mark else not line.endswith(")_")), line
    for syntaxes, does in readme_rows():
        access = {ACCESS[n] for s in syntaxes for n in commands_in(s)}
        assert len(access) == 1, f"README row {syntaxes} mixes who may run it: {access}"
        mark = {"everyone": None, "admin": "*(admin)*", "lead": "*(team lead)*",
                "workspace admin": "*(workspace admin)*"}[access.pop()]
        said = re.match(r"\*\((?:workspace admin|admin|team lead)\)\*", does)
        assert (said.group(0) if said else None) == mark, (syntaxes, does)


@pytest.mark.parametrize("syntax,names", [
    ("admins add|remove @people", ("admins add", "admins remove")),
    ("holidays add|remove <date> [<to date>]", ("holidays add", "holidays remove")),
    ("anonymous on|off", ("anonymous",)),
    ("quiet <HH:MM>-<HH:MM>|off", ("quiet",)),
    ("export team", ("export team",)),
    ("digest time <day> <HH:MM>", ("digest time",)),
    ("nudge --now", ()),
])
def test_a_usage_line_documents_the_commands_its_first_words_name(syntax, names):
    assert commands_in(syntax) == names


def test_a_second_handler_for_a_command_or_a_fast_admin_command_is_refused(monkeypatch):
    modules = listener.MODULES
    extra = SimpleNamespace(HANDLERS={"join": fast(lambda hw, req: "")})
    monkeypatch.setattr(listener, "MODULES", (*modules, extra))
    with pytest.raises(RuntimeError, match="two handlers for /headway join"):
        listener._handlers()

    inside = SimpleNamespace(HANDLERS={"retention": Handler(lambda hw, req: "", fast=True)})
    others = [m for m in modules if "retention" not in m.HANDLERS]
    monkeypatch.setattr(listener, "MODULES", (*others, inside))
    with pytest.raises(RuntimeError, match="retention is an admin's"):
        listener._handlers()
    monkeypatch.setattr(listener, "MODULES", modules)
    assert set(listener._handlers()) == set(ACCESS)  # the real table builds
