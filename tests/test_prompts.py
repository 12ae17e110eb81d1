"""Prompt packs: the shipped packs, an operator's own (HEADWAY_PROMPTS_DIR), validation
messages, and rotation."""

import os
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from bot.config import settings_from_env
from bot.core.model import Member
from bot.core.prompts import PackError, load_packs, next_reflection, parse_pack, plan_prompts

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
name = "tiny"
[[prompts]]
id = "w"
kind = "work"
text = "What did you move forward?"
[[prompts]]
id = "p"
kind = "problem"
text = "What problem should we fix?"
"""


def test_default_pack_covers_the_questions_the_product_promises():
    pack = load_packs()["default"]
    assert len(pack.prompts) >= 10
    kinds = [p.kind for p in pack.prompts]
    assert kinds.count("work") == 1
    for kind in ("problem", "opportunity", "recognition", "reflection"):
        assert kind in kinds
    text = " ".join(p.text.lower() for p in pack.prompts)
    for idea in ("problem", "opportunity", "move forward", "rulebook", "recognition",
                 "need to succeed", "say", "customer", "values"):
        assert idea in text, idea


def test_a_valid_pack_parses():
    pack = parse_pack(GOOD, "tiny.toml")
    assert pack.name == "tiny" and pack.work_prompt.id == "w"


@pytest.mark.parametrize("broken,message", [
    ("name = 'x'\n[[prompts]]\nid='w'\nkind='work'\n", "prompts[1] (w): field 'text'"),
    ("[[prompts]]\nid='w'\nkind='chore'\ntext='t'\n", "field 'kind' must be one of"),
    ("[[prompts]]\nid='W W'\nkind='work'\ntext='t'\n", "field 'id'"),
    ("[[prompts]]\nid='a'\nkind='problem'\ntext='t'\n", "needs one prompt of kind 'work'"),
    ("[[prompts]]\nid='a'\nkind='work'\ntext='t'\n[[prompts]]\nid='a'\nkind='work'\ntext='u'\n",
     "repeats 'a'"),
    ("[[prompts]]\nid='a'\nkind='work'\ntext='t'\ncolour='red'\n", "unknown field 'colour'"),
    ("prompts = [", "not valid TOML"),
    ("name = 'x'\n", "at least one [[prompts]]"),
])
def test_broken_packs_name_the_file_and_the_field(broken, message):
    with pytest.raises(PackError) as err:
        parse_pack(broken, "team.toml")
    assert str(err.value).startswith("team.toml")
    assert message in str(err.value)


def test_the_shipped_packs_are_read_from_the_installed_package():
    # The repository keeps them in prompts/; pyproject.toml maps that folder to bot.prompts.
    shipped = resources.files("bot.prompts")
    assert shipped.joinpath("default.toml").is_file()
    names = {f.name.removesuffix(".toml") for f in shipped.iterdir() if f.name.endswith(".toml")}
    assert set(load_packs()) == names
    assert {p.stem for p in (ROOT / "prompts").glob("*.toml")} == names


def test_an_operators_folder_adds_packs_beside_the_shipped_ones(tmp_path):
    (tmp_path / "tiny.toml").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("not a pack")
    packs = load_packs(tmp_path)
    assert packs["tiny"].work_prompt.text == "What did you move forward?"
    assert packs["default"] == load_packs()["default"]  # still there, unchanged


def test_an_operators_pack_named_like_a_shipped_one_replaces_it(tmp_path):
    (tmp_path / "ours.toml").write_text(GOOD.replace('"tiny"', '"default"'))
    packs = load_packs(tmp_path)
    assert [p.id for p in packs["default"].prompts] == ["w", "p"]
    assert len(load_packs()["default"].prompts) >= 10  # the shipped one, without the folder


def test_two_operator_packs_with_one_name_are_refused(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    with pytest.raises(PackError, match=r"b\.toml: field 'name' 'tiny' is used by another"):
        load_packs(tmp_path)


def test_load_packs_reports_the_bad_file(tmp_path):
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "bad.toml").write_text("[[prompts]]\nid='x'\nkind='work'\n")
    with pytest.raises(PackError, match=r"bad\.toml: prompts\[1\] \(x\): field 'text'"):
        load_packs(tmp_path)


@pytest.mark.parametrize("content,message", [
    (b"prompts = [\n", "not valid TOML"),
    (b"name = '\xff\xfe'\n", "not UTF-8 text"),
])
def test_an_unreadable_operator_pack_names_the_file(tmp_path, content, message):
    (tmp_path / "team.toml").write_bytes(content)
    with pytest.raises(PackError) as err:
        load_packs(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'team.toml'}: {message}")


def test_a_prompts_dir_that_is_not_a_folder_says_so(tmp_path):
    with pytest.raises(PackError, match=r"^HEADWAY_PROMPTS_DIR=.*/missing: not a folder"):
        load_packs(tmp_path / "missing")


def test_headway_prompts_dir_reaches_the_settings(tmp_path):
    assert settings_from_env({"HEADWAY_PROMPTS_DIR": str(tmp_path)}).prompts_dir == tmp_path
    assert settings_from_env({"HEADWAY_PROMPTS_DIR": "  "}).prompts_dir is None
    assert settings_from_env({}).prompts_dir is None


def test_the_cli_with_a_bad_operator_pack_prints_one_line_and_exits_2(tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "team.toml").write_text("name = 'team'\n[[prompts]]\nid = 'w'\nkind = 'chore'\n"
                                     "text = 'What moved?'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HEADWAY_"))}
    env |= {"HEADWAY_DB": str(tmp_path / "h.db"), "HEADWAY_PROMPTS_DIR": str(packs),
            "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "bot"]
    assert subprocess.run([*run, "migrate"], cwd=tmp_path, env=env, capture_output=True,
                          timeout=60).returncode == 0
    done = subprocess.run([*run, "digest", "--dry-run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"headway: {packs / 'team.toml'}: prompts[1] (w): field 'kind' must be one of "
        "work, problem, opportunity, recognition, reflection (got 'chore')"]


def test_rotation_never_repeats_last_weeks_prompt_and_cycles_through_all():
    pack = load_packs()["default"]
    history: list[tuple[str, str]] = []
    asked = []
    for week in range(10, 30):
        period = f"2026-W{week:02d}"
        prompt = next_reflection(pack, history, period)
        assert prompt is not None and prompt.kind != "work"
        if asked:
            assert prompt.id != asked[-1]
        asked.append(prompt.id)
        history.insert(0, (period, prompt.id))
    rotating = {p.id for p in pack.prompts if p.kind != "work"}
    assert set(asked[: len(rotating)]) == rotating


def test_plan_work_on_the_last_day_reflection_on_the_first():
    pack = load_packs()["default"]
    member = Member("T", "U", days=(0, 4))
    monday, friday = date(2026, 11, 16), date(2026, 11, 20)
    assert [p.kind for p in plan_prompts(pack, member, [], "2026-W47", friday)] == ["work"]
    assert "work" not in [p.kind for p in plan_prompts(pack, member, [], "2026-W47", monday)]
    single = Member("T", "U", days=(4,))
    assert plan_prompts(pack, single, [], "2026-W47", friday)[-1].kind == "work"
    assert len(plan_prompts(pack, single, [], "2026-W47", friday)) == 2
