"""The classifier: progress, KTLO or no work at all; explainable, calibrated labels, our
corpus, and measured quality.

Pure: no Slack, no database. The quality tests are deterministic (the model and its
calibration are fitted on the packaged corpus at import) and not timed; speed and load
time live in `make bench`.
"""

from __future__ import annotations

import fnmatch
import io
import random
import re
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import SHARED

from bench import split_corpus
from bench.eval_classifier import commits, corpus, heldout, scores
from bot.core.calibration import (
    expected_calibration_error,
    platt_fit,
    reliability,
    sigmoid,
)
from bot.core.classify import (
    CUES,
    NONE_CUES,
    TRAIN,
    classify,
    classify_many,
    fit,
    load_corpus,
    probabilities,
)

TEAM_KINDS = {"engineering", "support", "sales", "operations", "hr", "finance", "design",
              "legal", "marketing", "data", "it", "leadership", "product"}
# The kinds of team issue 14 asked for, beyond engineering, support and IT.
FUNCTIONS = {"sales", "success", "marketing", "finance", "hr", "legal", "design", "product",
             "operations", "data", "leadership", "clinic", "school", "retail"}
SPLITS = ("train", "dev", "heldout", "teams_train", "teams_dev", "teams_heldout",
          "teams_extra")


# ── labels people can read ───────────────────────────────────────────────────


@pytest.mark.parametrize("text,label", [
    # terse standup lines
    ("oncall, 3 pages", "ktlo"),
    ("sev2 on the payments api", "ktlo"),
    ("month end close", "ktlo"),
    ("reset 12 passwords", "ktlo"),
    ("NDAs x3", "ktlo"),
    ("1:1s and the exec sync", "ktlo"),
    ("prototype of the new search", "progress"),
    ("shipped bulk edit", "progress"),
    ("pricing experiment kicked off", "progress"),
    ("mentoring two new SDRs", "progress"),
    # wordy ones, across teams
    ("Most of my week went to the warehouse scanner outage; we re-keyed orders by hand "
     "until the vendor patched it.", "ktlo"),
    ("Spent two days pulling evidence for the SOC 2 auditors and answering their follow-up "
     "questions.", "ktlo"),
    ("Answered the usual flood of benefits questions and chased managers for their review "
     "forms.", "ktlo"),
    ("I wrote a script that reconciles the card statements automatically, so month-end "
     "should take a day less from now on.", "progress"),
    ("We started a pilot with two resellers in the Nordics to see whether a channel can "
     "open that market for us.", "progress"),
    ("Traced the weekly disk alert to a log rotation bug and fixed the root cause, so it "
     "will not page anyone again.", "progress"),
    # commit-message style
    ("Fix NPE when the header is missing", "ktlo"),
    ("Revert the connection pool change", "ktlo"),
    ("Add support for streaming uploads", "progress"),
    ("Implement retries with backoff in the client", "progress"),
])
def test_terse_wordy_and_commit_items_across_teams(text, label):
    c = classify(text)
    assert c.label == label, c


def test_reasons_quote_phrases_the_member_wrote():
    for text in ("Hotfix for the login crash, again",
                 "Automated the invoice reminders so finance stops chasing by hand",
                 "Ran the A/B test on the pricing page",
                 "Quarterly access review for the SOC 2 audit"):
        c = classify(text)
        assert c.reasons, text
        for reason in c.reasons:
            # a real phrase: a run of whole words in the text, case preserved
            assert re.search(r"(?<!\w)" + re.escape(reason) + r"(?!\w)", text), (reason, text)


def test_reasons_point_towards_the_label_not_against_it():
    assert "again" in [r.lower() for r in classify("Restarted the billing export again").reasons]
    assert "for good" in classify("Fixed the flaky deploy for good").reasons
    assert classify("Fixed the flaky deploy for good").label == "progress"


def test_confidence_is_a_probability_and_tracks_the_evidence():
    rows = load_corpus("dev")
    for c in classify_many([t for *_, t in rows]):
        assert 1 / 3 <= c.confidence <= 1.0  # the most probable of three labels
    strong = classify("Incident: outage on the payments API, paged twice, hotfix and rollback")
    weak = classify("Zanzibar")  # no word the corpus or the cues know
    assert strong.confidence > weak.confidence
    assert weak.label == "ktlo" and weak.confidence == 0.5 and weak.reasons == ()


def test_the_three_probabilities_add_up_and_the_label_is_the_most_probable():
    for text in ("Restarted the billing export job again", "Launched usage-based pricing",
                 "Out sick most of the week", "Zanzibar", "🏖️"):
        probs = probabilities(text)
        assert set(probs) == {"progress", "ktlo", "none"}
        assert abs(sum(probs.values()) - 1) < 1e-9
        c = classify(text)
        assert probs[c.label] == max(probs.values())
        assert c.confidence == round(probs[c.label], 2)


def test_corrections_overlay_follows_similar_items_and_leaves_others():
    text = "Onboarding calls with new enterprise customers"
    corrected = [(text, "progress" if classify(text).label == "ktlo" else "ktlo")]
    want = corrected[0][1]
    [similar, other] = classify_many(
        ["Onboarding calls with new enterprise customers in Japan",
         "Restarted the cron job again"], corrected)
    assert similar.label == want and "correction" in similar.reasons[0]
    assert other.label == "ktlo" and "correction" not in " ".join(other.reasons)
    # the newest correction of the same text wins
    flipped = "ktlo" if want == "progress" else "progress"
    assert classify(text, [*corrected, (text, flipped)]).label == flipped


def test_cue_phrases_are_lower_case_and_unique():
    phrases = [p for p, _ in CUES]
    assert len(phrases) == len(set(phrases))
    assert all(p == p.lower() for p in phrases)


def test_fit_learns_from_the_rows_it_is_given():
    # the model follows its data: the same word means opposite things in opposite corpora
    a = fit([("progress", "zorbulate the widget"), ("ktlo", "reboot the box")] * 3)
    b = fit([("ktlo", "zorbulate the widget"), ("progress", "reboot the box")] * 3)
    assert a.weights["zorbulate"] > 0 > b.weights["zorbulate"]


# ── the corpus ───────────────────────────────────────────────────────────────


def _all_rows():
    return {s: load_corpus(s) for s in SPLITS}


def test_corpus_is_big_enough_balanced_and_covers_every_team_kind():
    rows = [r for s in ("train", "dev", "heldout") for r in load_corpus(s)]
    assert len(rows) >= 800
    labels = [r[0] for r in rows]
    assert 0.4 <= labels.count("progress") / len(rows) <= 0.6
    assert {r[1] for r in rows} == TEAM_KINDS
    for team in TEAM_KINDS:
        assert {r[0] for r in rows if r[1] == team} == {"progress", "ktlo"}, team
    assert {r[2] for r in rows} == {"terse", "wordy", "commit"}


def test_no_text_appears_twice_across_splits():
    seen: dict[str, str] = {}
    for split, rows in _all_rows().items():
        for _, _, _, text in rows:
            key = " ".join(text.lower().split())
            assert key not in seen, f"{text!r} in {seen.get(key)} and {split}"
            seen[key] = split


def test_heldout_is_about_a_quarter_and_stratified():
    splits = {s: load_corpus(s) for s in ("train", "dev", "heldout")}
    total = sum(len(r) for r in splits.values())
    assert 0.22 <= len(splits["heldout"]) / total <= 0.28
    for team in TEAM_KINDS:
        for label in ("progress", "ktlo"):
            assert any(r[1] == team and r[0] == label for r in splits["heldout"]), (team, label)


def test_corpus_is_declared_package_data():
    # load_corpus reads through importlib.resources: the wheel must carry every split, so
    # pyproject's package-data globs must match each file
    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["bot"]
    for split in SPLITS:
        rel = f"core/corpus/{split}.tsv"
        assert (root / "bot" / rel).is_file()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), rel


# ── quality (deterministic, not timed) ───────────────────────────────────────


def test_heldout_macro_f1_is_at_least_0_90():
    rows = heldout()
    _, f1 = scores([g for g, _ in rows], [c.label for c in classify_many([t for _, t in rows])])
    assert f1 >= 0.90, f1


@pytest.mark.skipif(not (SHARED / "data" / "levin-commits.tsv").exists(),
                    reason="../shared/data/levin-commits.tsv not present")
def test_levin_commits_corrective_vs_adaptive_macro_f1_has_not_dropped():
    rows = [(g, t) for g, t in commits() or [] if g != "perfective"]
    assert rows
    _, f1 = scores([g for g, _ in rows], [c.label for c in classify_many([t for _, t in rows])])
    assert f1 >= 0.813, f1  # issue 14: not below where it started


def test_bench_skips_the_commits_cleanly_without_shared(monkeypatch, tmp_path, capsys):
    import bench.eval_classifier as bench

    monkeypatch.setattr(bench, "COMMITS", tmp_path / "absent.tsv")
    assert bench.commits() is None
    monkeypatch.setattr(bench, "throughput", lambda run, texts, seconds=1.0: 1.0)
    monkeypatch.setattr(bench, "load_time", lambda statement, repeats=3: 0.0)
    bench.main()
    out = capsys.readouterr().out
    assert "levin-commits: skipped" in out and "held-out split" in out
    # issue 14's figures, each beside the keyword baseline's
    for figure in ("old held-out split (heldout) keywords", "new held-out split "
                   "(teams_heldout) headway", "per function", "none lines kept out",
                   "work lines wrongly set to none", "expected calibration error",
                   "asks about"):
        assert figure in out, figure


# ── every kind of team (issue 14) ────────────────────────────────────────────


@pytest.mark.parametrize("text,label", [
    # what a new user tried first, and got wrong before issue 14
    ("Closed the Globex deal, $120k ARR", "progress"),
    ("Signed Initech as a customer", "progress"),
    ("Hit 110% of quota", "progress"),
    ("Onboarded two new hires (laptops, accounts, paperwork)", "ktlo"),
    ("Rewrote the parental leave policy", "progress"),
    ("Out sick most of the week", "none"),
    ("Nothing much this week", "none"),
    ("OOO until the 14th", "none"),
    ("n/a", "none"),
])
def test_the_lines_from_the_issue_get_the_label_a_team_lead_expects(text, label):
    assert classify(text).label == label


@pytest.mark.parametrize("ktlo,progress", [
    ("Renewed the Hooli contract on the same terms",
     "Expanded Hooli to three more business units"),
    ("Fixed the payroll export again",
     "Fixed the payroll export for good by removing the manual step"),
    ("Wrote the incident report for Tuesday's outage",
     "Fixed the root cause of Tuesday's outage"),
    ("Pulled the weekly sales report by hand",
     "Automated the weekly sales report"),
    ("Upgraded the CRM because the old version reaches end of life",
     "Migrated to a new CRM that lets reps see usage data"),
    ("Annual fire safety training",
     "Built a new training programme for shift leads"),
    ("Hired a backfill for the receptionist who left",
     "Hired our first data analyst to start a reporting function"),
])
def test_the_hard_pairs_fall_on_either_side(ktlo, progress):
    assert classify(ktlo).label == "ktlo"
    assert classify(progress).label == "progress"


# ── lines with no work in them ───────────────────────────────────────────────


@pytest.mark.parametrize("text", [
    "Out sick most of the week", "OOO until the 14th", "on parental leave", "PTO Mon-Wed",
    "Nothing much this week", "nothing to report", "n/a", "see last week", "ditto",
    "same as last week", "I was on holiday all week, so nothing from me.", "🏖️", "🤒",
    ":palm_tree:",
])
def test_a_line_with_no_work_signal_is_none_with_the_members_own_words_as_reason(text):
    c = classify(text)
    assert c.label == "none", c
    assert c.reasons
    for reason in c.reasons:
        assert reason in text  # the member's own words (or emoji), case kept


@pytest.mark.parametrize("text,label", [
    ("Rewrote the parental leave policy", "progress"),
    ("Covered for Jo who was off sick", "ktlo"),
    ("Processed sick leave requests", "ktlo"),
    ("Out Monday; rest of the week on renewal paperwork", "ktlo"),
    ("Out Monday, then shipped the pricing page", "progress"),
    ("Launched the holiday campaign", "progress"),
    ("Nothing broke this week, upgraded the CI runners", "ktlo"),
    ("Fix crash when nothing is selected", "ktlo"),
])
def test_a_line_that_names_work_beside_an_absence_word_is_work(text, label):
    c = classify(text)
    assert c.label == label, c
    # the reasons are the work, not the absence ("Covered", not "sick")
    assert not {r.lower() for r in c.reasons} & {"sick", "off", "out monday", "leave"}


def test_no_work_phrases_are_lower_case_and_unique():
    phrases = [p for p, _ in NONE_CUES]
    assert len(phrases) == len(set(phrases))
    assert all(p == p.lower() and w > 0 for p, w in NONE_CUES)


def test_headway_classify_prints_none_for_a_line_with_no_work(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO("Out sick all week\nShipped bulk edit\n"))
    assert main(["classify"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["none", "progress"]
    assert lines[0].split("\t")[2] == "Out sick all week"


# ── calibration ──────────────────────────────────────────────────────────────


def test_platt_fit_recovers_the_slope_and_intercept_that_made_the_outcomes():
    rng = random.Random(7)
    scores_ = [rng.uniform(-6, 6) for _ in range(4000)]
    outcomes = [rng.random() < sigmoid(0.8 * s - 0.5) for s in scores_]
    a, b = platt_fit(scores_, outcomes)
    assert abs(a - 0.8) < 0.1 and abs(b + 0.5) < 0.15


def test_platt_fit_stays_finite_when_the_outcomes_are_perfectly_separated():
    a, b = platt_fit([-40.0, -20.0, 20.0, 40.0], [False, False, True, True])
    assert abs(a) < 10 and abs(b) < 10  # Platt's smoothed targets keep it bounded
    assert sigmoid(a * 40 + b) < 1 and sigmoid(a * -40 + b) > 0


def test_reliability_bins_and_the_calibration_error_mean_what_they_say():
    # always sure and right half the time: the error is the gap, 0.5
    table = reliability([1.0] * 10, [True, False] * 5)
    assert [b.n for b in table if b.n] == [10]
    assert expected_calibration_error(table) == pytest.approx(0.5)
    # says 0.65 and is right 65 times in 100: no gap
    conf, right = [0.65] * 100, [True] * 65 + [False] * 35
    table = reliability(conf, right)
    assert expected_calibration_error(table) == pytest.approx(0.0)
    assert next(b for b in table if b.n).low == 0.6


def test_teams_extra_is_training_data_only():
    assert "teams_extra" in TRAIN and not {"heldout", "teams_heldout"} & set(TRAIN)


# ── the corpus for every kind of team ────────────────────────────────────────


def test_the_teams_corpus_covers_every_function_in_every_style_with_all_three_labels():
    rows = [r for s in ("teams_train", "teams_dev", "teams_heldout") for r in load_corpus(s)]
    assert len(rows) >= 1200
    assert {r[1] for r in rows} >= FUNCTIONS
    for team in FUNCTIONS:
        assert {r[0] for r in rows if r[1] == team} == {"progress", "ktlo", "none"}, team
        styles = {r[2] for r in rows if r[1] == team and r[0] != "none"}
        assert styles == {"terse", "wordy", "jira", "typo", "emoji"}, team
    nones = [r for r in rows if r[0] == "none"]
    assert 0.08 <= len(nones) / len(rows) <= 0.15


def test_the_new_heldout_split_is_the_seeded_one_committed_before_tuning():
    assert split_corpus.main(["--check"]) == 0
    sizes = {s: len(load_corpus(s)) for s in split_corpus.SPLITS}
    assert 0.22 <= sizes["teams_heldout"] / sum(sizes.values()) <= 0.28
    held = load_corpus("teams_heldout")
    for team in FUNCTIONS:
        for label in ("progress", "ktlo"):
            assert any(r[1] == team and r[0] == label for r in held), (team, label)


# ── quality on every kind of team (deterministic, not timed) ─────────────────


def _labels(rows):
    return [c.label for c in classify_many([t for *_, t in rows])]


def test_the_new_heldout_macro_f1_is_at_least_0_94():
    rows = [r for r in corpus("teams_heldout") if r[0] != "none"]
    _, f1 = scores([g for g, *_ in rows], _labels(rows))
    assert f1 >= 0.94, f1


def test_the_old_heldout_figure_has_not_dropped_below_issue_14s_starting_point():
    rows = heldout()
    _, f1 = scores([g for g, _ in rows], _labels(rows))
    assert f1 >= 0.937, f1


def test_none_lines_are_kept_out_and_work_lines_are_not():
    rows = corpus("teams_heldout")
    nones = [r for r in rows if r[0] == "none"]
    work = [r for r in rows if r[0] != "none"]
    assert _labels(nones).count("none") / len(nones) >= 0.90
    assert _labels(work).count("none") / len(work) <= 0.02


def test_confidence_is_calibrated_on_the_new_heldout_split():
    rows = corpus("teams_heldout")
    labelled = classify_many([t for *_, t in rows])
    table = reliability([c.confidence for c in labelled],
                        [c.label == g for c, (g, *_) in zip(labelled, rows, strict=True)])
    assert expected_calibration_error(table) <= 0.05
    assert sum(b.n for b in table) == len(rows)  # canary: every item landed in a bin
