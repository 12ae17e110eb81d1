"""The progress/KTLO classifier: explainable labels, our corpus, and measured quality.

Pure: no Slack, no database. The quality tests are deterministic (the model is fitted on
`corpus/train.tsv` at import) and not timed; speed and load time live in `make bench`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
from conftest import SHARED

from bench.eval_classifier import commits, heldout, scores
from bot.core.classify import CUES, classify, classify_many, fit, load_corpus

TEAM_KINDS = {"engineering", "support", "sales", "operations", "hr", "finance", "design",
              "legal", "marketing", "data", "it", "leadership", "product"}


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
        assert 0.5 <= c.confidence <= 1.0
    strong = classify("Incident: outage on the payments API, paged twice, hotfix and rollback")
    weak = classify("Zanzibar")  # no word the corpus or the cues know
    assert strong.confidence > weak.confidence
    assert weak.label == "ktlo" and weak.confidence == 0.5 and weak.reasons == ()


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
    return {s: load_corpus(s) for s in ("train", "dev", "heldout")}


def test_corpus_is_big_enough_balanced_and_covers_every_team_kind():
    rows = [r for split in _all_rows().values() for r in split]
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
    splits = _all_rows()
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
    for split in ("train", "dev", "heldout"):
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
def test_levin_commits_corrective_vs_adaptive_macro_f1_is_at_least_0_80():
    rows = [(g, t) for g, t in commits() or [] if g != "perfective"]
    assert rows
    _, f1 = scores([g for g, _ in rows], [c.label for c in classify_many([t for _, t in rows])])
    assert f1 >= 0.80, f1


def test_bench_skips_the_commits_cleanly_without_shared(monkeypatch, tmp_path, capsys):
    import bench.eval_classifier as bench

    monkeypatch.setattr(bench, "COMMITS", tmp_path / "absent.tsv")
    assert bench.commits() is None
    monkeypatch.setattr(bench, "throughput", lambda run, texts, seconds=1.0: 1.0)
    monkeypatch.setattr(bench, "load_time", lambda statement, repeats=3: 0.0)
    bench.main()
    out = capsys.readouterr().out
    assert "levin-commits: skipped" in out and "held-out split" in out
