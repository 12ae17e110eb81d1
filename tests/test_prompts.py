"""Prompt packs: the default pack's coverage, validation messages, and rotation."""

from datetime import date

import pytest

from bot.core.model import Member
from bot.core.prompts import PackError, load_packs, next_reflection, parse_pack, plan_prompts

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


def test_load_packs_reports_the_bad_file(tmp_path):
    (tmp_path / "default.toml").write_text(GOOD.replace("tiny", "default"))
    (tmp_path / "bad.toml").write_text("[[prompts]]\nid='x'\nkind='work'\n")
    with pytest.raises(PackError, match=r"bad\.toml: prompts\[1\] \(x\): field 'text'"):
        load_packs(tmp_path)


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
