"""Prompt packs: TOML files, validated when the bot starts.

The shipped packs live in the repository's top-level `prompts/` folder, which is installed
as the `bot.prompts` package (pyproject.toml maps it), so they are read with
`importlib.resources` and an installed Headway (a wheel, pipx, a container image) has them
without the source tree. An operator adds their own packs from the folder named by
`HEADWAY_PROMPTS_DIR`.

A broken pack fails start-up with the file and the field at fault, so a typo in a
team's custom pack is found by whoever edits it, not by members on Friday afternoon.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.core.model import PROMPT_KINDS, Member, Prompt, PromptPack

SHIPPED_PACKAGE = "bot.prompts"
PROMPTS_DIR_VARIABLE = "HEADWAY_PROMPTS_DIR"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_PROMPT_CHARS = 280  # fits a modal label and reads well in a DM


class PackError(ValueError):
    """A prompt pack is malformed; the message names the file and the field."""


def parse_pack(text: str, source: str) -> PromptPack:
    """Parse and validate one pack's TOML text; `source` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{source}: not valid TOML: {exc}") from None

    name = data.get("name", Path(source).stem)
    if not isinstance(name, str) or not _ID.match(name):
        raise PackError(f"{source}: field 'name' must be a short lowercase id (got {name!r})")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise PackError(f"{source}: field 'description' must be a string")
    entries = data.get("prompts")
    if not isinstance(entries, list) or not entries:
        raise PackError(f"{source}: needs at least one [[prompts]] table")

    prompts: list[Prompt] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        where = f"{source}: prompts[{n}]"
        if not isinstance(entry, dict):
            raise PackError(f"{where}: must be a table with id, text and kind")
        unknown = set(entry) - {"id", "text", "kind"}
        if unknown:
            raise PackError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        pid, ptext, kind = entry.get("id"), entry.get("text"), entry.get("kind")
        if not isinstance(pid, str) or not _ID.match(pid):
            raise PackError(
                f"{where}: field 'id' must be lowercase letters, digits, '-' or '_' (got {pid!r})"
            )
        if pid in seen:
            raise PackError(f"{where}: field 'id' repeats {pid!r}")
        seen.add(pid)
        if not isinstance(ptext, str) or not ptext.strip():
            raise PackError(f"{where} ({pid}): field 'text' must be a non-empty string")
        if len(ptext) > MAX_PROMPT_CHARS:
            raise PackError(
                f"{where} ({pid}): field 'text' is {len(ptext)} characters; "
                f"keep it under {MAX_PROMPT_CHARS}"
            )
        if kind not in PROMPT_KINDS:
            raise PackError(
                f"{where} ({pid}): field 'kind' must be one of {', '.join(PROMPT_KINDS)} "
                f"(got {kind!r})"
            )
        prompts.append(Prompt(id=pid, text=" ".join(ptext.split()), kind=kind))

    if not any(p.kind == "work" for p in prompts):
        raise PackError(f"{source}: needs one prompt of kind 'work' (the weekly question)")
    return PromptPack(name=name, description=description, prompts=tuple(prompts))


def load_packs(operator_dir: str | os.PathLike[str] | None = None) -> dict[str, PromptPack]:
    """The shipped packs, then the operator's `*.toml` packs from `operator_dir`, by name.

    An operator's pack with the name of a shipped one replaces it: that is how an operator
    rewords the `default` pack every team starts with. Two of the operator's packs with one
    name are an error, as is any malformed pack (PackError names the file and the field).
    """
    packs = _read_packs(resources.files(SHIPPED_PACKAGE))
    if "default" not in packs:  # a broken install, not something an operator did
        raise PackError(f"{SHIPPED_PACKAGE}: no 'default' pack (default.toml) is installed")
    if operator_dir is not None and str(operator_dir).strip():
        folder = Path(operator_dir)
        if not folder.is_dir():
            raise PackError(f"{PROMPTS_DIR_VARIABLE}={operator_dir}: not a folder; name a "
                            f"folder of prompt packs (*.toml) or unset it")
        packs |= _read_packs(folder)
    return packs


def _read_packs(folder: Traversable) -> dict[str, PromptPack]:
    packs: dict[str, PromptPack] = {}
    try:
        files = [f for f in folder.iterdir() if f.name.endswith(".toml") and f.is_file()]
    except OSError as exc:
        raise PackError(f"{folder}: cannot be read ({exc.strerror or exc})") from None
    for file in sorted(files, key=lambda f: f.name):
        source = str(file)
        try:
            text = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise PackError(f"{source}: not UTF-8 text; save it as UTF-8") from None
        except OSError as exc:
            raise PackError(f"{source}: cannot be read ({exc.strerror or exc})") from None
        pack = parse_pack(text, source)
        if pack.name in packs:
            raise PackError(f"{source}: field 'name' {pack.name!r} is used by another pack")
        packs[pack.name] = pack
    return packs


def next_reflection(
    pack: PromptPack, history: list[tuple[str, str]], period: str, offset: int = 0
) -> Prompt | None:
    """The rotating prompt for `period`: never last period's, least recently asked first.

    `history` is (period, prompt_id) of earlier nudges, newest first. The `work` prompt is
    not part of the rotation: it is asked every week so the progress share has data.
    """
    candidates = [p for p in pack.prompts if p.kind != "work"]
    if not candidates:
        return None
    # Members start the rotation at different places, so one week's agenda hears about
    # problems, opportunities and recognition at once.
    shift = offset % len(candidates)
    candidates = candidates[shift:] + candidates[:shift]
    already = {pid for per, pid in history if per == period}
    for p in candidates:
        if p.id in already:
            return p  # this period's choice was made already; keep it (the ledger dedups)
    earlier = [(per, pid) for per, pid in history if per < period]
    last_period = max((per for per, _ in earlier), default=None)
    last_asked = {pid for per, pid in earlier if per == last_period}
    recency: dict[str, int] = {}
    for rank, (_, pid) in enumerate(earlier):
        recency.setdefault(pid, rank)  # smaller rank = asked more recently
    eligible = [p for p in candidates if p.id not in last_asked] or candidates
    # Never asked comes first (rotation order), then the one asked longest ago.
    order = {p.id: i for i, p in enumerate(candidates)}
    return max(eligible, key=lambda p: (p.id not in recency, recency.get(p.id, 0), -order[p.id]))


def plan_prompts(
    pack: PromptPack,
    member: Member,
    history: list[tuple[str, str]],
    period: str,
    local_day: date,
) -> list[Prompt]:
    """Which prompts a scheduled nudge on `local_day` asks.

    The weekly `work` question goes out on the member's last nudge day of the week (so
    "this week" has happened); the rotating leadership question on their first. A member
    with a single nudge day gets both that day, the work question last (newest). The
    ledger makes repeats harmless.
    """
    offset = sum(member.user_id.encode())
    reflection = next_reflection(pack, history, period, offset)
    days = sorted(set(member.days)) or [local_day.weekday()]
    weekday = local_day.weekday()
    plan: list[Prompt] = []
    if reflection is not None and (weekday == days[0] or len(days) == 1 or weekday not in days):
        plan.append(reflection)
    # The work question goes last: a plain DM reply attaches to the newest open nudge, and
    # the weekly work list is what most people answer first.
    if weekday == days[-1] or weekday not in days:
        plan.append(pack.work_prompt)
    return plan
