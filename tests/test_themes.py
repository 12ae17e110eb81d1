"""KTLO themes: what kind of keeping-the-lights-on work an item is, as a team lead reads it.

Pure: no Slack, no database, no clock. The quality tests are deterministic (the model part
is fitted on `corpus/themes_dev.tsv` at first use) and not timed; speed lives in
`make bench` (bench/eval_themes.py), against the old keyword rules measured in the same run.
"""

from __future__ import annotations

import re

import pytest

from bench.eval_themes import baseline_many, headway_many, scores
from bot.core.theme_model import fit_model, load_theme_corpus, theme_id, theme_of
from bot.core.themes import CUES, THEME_IDS, THEME_NAMES

FIXES, SUPPORT, MEETINGS, ADMIN, UPKEEP, OTHER = (THEME_NAMES[t] for t in THEME_IDS)


@pytest.mark.parametrize("text,theme", [
    # the two the issue names, and the rest of the demo team's KTLO
    ("Quarterly access review for the SOC 2 audit", ADMIN),
    ("Backfilled the warehouse after last night's failed ETL", FIXES),
    ("Handled the Monday outage postmortem paperwork", FIXES),
    ("Restarted the billing export job again (third time this month)", FIXES),
    ("Renewed SSL certificates", UPKEEP),
    ("Upgraded Postgres because the old version hits end of life", UPKEEP),
    ("reset passwords for the sales team", SUPPORT),
    ("Weekly vendor sync", MEETINGS),
    ("Audit prep: collected invoices for the auditors", ADMIN),
    ("Expense reports and timesheets", ADMIN),
    # other kinds of team, terse and wordy
    ("till 2 down all Saturday", FIXES),
    ("patient calls about appointment changes", SUPPORT),
    ("governors' meeting minutes", MEETINGS),
    ("trademark renewal filings", ADMIN),
    ("restocked the shelves after the weekend", UPKEEP),
    ("covered lunch duty", OTHER),
    ("The auditors asked for another batch of screenshots for the change management "
     "control, so I pulled them together from Jira.", ADMIN),
])
def test_ktlo_items_from_many_kinds_of_team_land_in_the_theme_a_lead_expects(text, theme):
    assert theme_of(text) == theme


def test_a_longer_phrase_takes_its_words_from_shorter_ones():
    # "review" alone leans to meetings; inside "access review" it is compliance work
    assert theme_of("weekly metrics review") == MEETINGS
    assert theme_of("quarterly access review") == ADMIN
    # "report card" is not a report (weight 0 only takes the words away)
    assert theme_of("report cards printed with the wrong term, reprinted") == FIXES


def test_a_deadline_named_after_before_does_not_decide_the_theme():
    text = "Reloaded the missing partitions before the exec meeting"
    assert theme_of(text) == FIXES
    assert theme_of("exec meeting") == MEETINGS  # canary: the words do count elsewhere


def test_an_item_with_no_evidence_is_other_routine_work():
    assert theme_of("zzz qqq") == OTHER
    assert theme_of("") == OTHER


def test_held_out_accuracy_is_far_above_the_old_keyword_rules():
    rows = [(t, text) for t, _, _, text in load_theme_corpus("heldout")]
    gold, texts = [g for g, _ in rows], [t for _, t in rows]
    headway_acc, headway_f1 = scores(gold, headway_many(texts))
    baseline_acc, _ = scores(gold, baseline_many(texts))
    assert headway_acc >= 0.88 and headway_f1 >= 0.85
    assert headway_acc >= baseline_acc + 0.3


def test_another_authors_lines_labelled_blind_are_themed_well_too():
    # themes_blind.tsv: the KTLO lines of the classifier's held-out corpus (written before
    # the theme rules, by another author), labelled without running the rules.
    rows = [(t, text) for t, _, _, text in load_theme_corpus("blind")]
    gold, texts = [g for g, _ in rows], [t for _, t in rows]
    assert len(rows) >= 100
    assert scores(gold, headway_many(texts))[0] >= 0.78
    assert scores(gold, baseline_many(texts))[0] < 0.6  # canary: the set is not trivial


def test_the_corpus_is_large_varied_and_its_splits_share_no_line():
    splits = {name: load_theme_corpus(name) for name in ("dev", "heldout", "fresh", "blind")}
    assert len(splits["dev"]) + len(splits["heldout"]) >= 300
    mine = splits["dev"] + splits["heldout"]
    assert {t for t, _, _, _ in mine} == set(THEME_IDS)
    assert {s for _, _, s, _ in mine} == {"terse", "wordy"}
    teams = {team for _, team, _, _ in mine}
    assert {"engineering", "support", "sales", "finance", "hr", "legal", "compliance", "ops",
            "data", "clinic", "school", "retail"} <= teams

    def key(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.casefold()))

    seen: dict[str, str] = {}
    for name in ("dev", "heldout", "fresh"):
        for _, _, _, text in splits[name]:
            assert key(text) not in seen, f"{text!r} is in {seen[key(text)]} and {name}"
            seen[key(text)] = name


def test_a_corpus_row_with_an_unknown_theme_is_refused(tmp_path, monkeypatch):
    import bot.core.corpora as corpora

    class Files:
        def __truediv__(self, part: str):
            return tmp_path / part if part != "corpus" else Files()

    bad = tmp_path / "themes_dev.tsv"
    bad.write_text("theme\tteam\tstyle\ttext\nfirefighting\tops\tterse\tx\n", encoding="utf-8")
    monkeypatch.setattr(corpora.resources, "files", lambda _pkg: Files())
    with pytest.raises(ValueError, match=r"themes_dev.tsv line 2: bad theme 'firefighting'"):
        load_theme_corpus("dev")


def test_every_cue_names_a_theme_and_every_theme_is_reachable():
    assert {t for _, t, _ in CUES} == set(THEME_IDS)
    dev = load_theme_corpus("dev")
    assert {theme_id(text) for _, _, _, text in dev} == set(THEME_IDS)


def test_the_fitted_part_learns_from_the_rows_it_is_given():
    # With no cue firing, only the model speaks: fitted on rows that call "zorbing" a
    # meeting, it says meetings; fitted on rows that call it upkeep, upkeep.
    def rows(theme: str) -> list[tuple[str, str]]:
        return [(theme, f"zorbing the wibbles {n}") for n in range(8)] + [
            (t, f"blip {n}") for t in THEME_IDS for n in range(3)]

    assert theme_id("zorbing wibbles", fit_model(rows("meetings"))) == "meetings"
    assert theme_id("zorbing wibbles", fit_model(rows("upkeep"))) == "upkeep"
    assert theme_id("blip", fit_model(rows("upkeep"))) == "other"  # no evidence either way
