"""Tracked problems as stored (`store.problems`, m011), as the digest shows them (Track it,
the "Tracked problems" section) and as `forget me`, a team's deletion and a workspace's
purge leave them. A real SQLite file; no Slack."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.core.digest import build_digest
from bot.core.messages import forget as forget_replies
from bot.core.messages.ids import PROBLEM_TRACK
from bot.core.messages.problems import problems_list
from bot.core.model import DigestInput, Item, Member, Reply
from bot.core.problems import (
    FollowUp,
    KtloItem,
    ProblemError,
    TrackedProblem,
    TrackRef,
    apply_week,
    find_trackable,
    parse_track_value,
    set_status,
    track_key,
    track_value,
    tracked_as,
    tracking,
    week_items,
)
from bot.core.render import render_digest_blocks, render_digest_text
from bot.store import Store
from tests.slackspec import check_blocks, find_unescaped_broadcasts

NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
ADA, BO = "U0ADA1", "U0BO22"
FIREFIGHT = "Restarted the billing export job again"


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "headway.db")
    s.workspaces.ensure("T1", NOW, "Acme")
    yield s
    s.close()


@pytest.fixture
def team(store):
    made = store.teams.create("T1", "Platform", NOW, digest_channel="C0DIGEST")
    for uid, name in ((ADA, "Ada"), (BO, "Bo")):
        store.members.upsert(Member("T1", uid, name=name), NOW)
        store.teams.add_member("T1", made.id, uid, "2026-W01", NOW)
    return made


def firefight(**kw) -> TrackedProblem:
    return TrackedProblem(**{"title": FIREFIGHT, "kind": "firefight", "owner": ADA,
                             "started": "2026-W15", "references": (FIREFIGHT, "billing export "
                                                                   "restarted by hand"),
                             "weeks": ("2026-W15",), **kw})


def add(store, team, problem=None, key="0123456789ab", by=ADA) -> TrackedProblem:
    stored = store.problems.add("T1", team.id, problem or firefight(), source_period="2026-W15",
                                source_key=key, tracked_by=by, now=NOW)
    assert stored is not None
    return stored


# ── the store ───────────────────────────────────────────────────────────────


def test_a_tracked_problem_round_trips_with_its_references_weeks_and_answers(store, team):
    stored = add(store, team)
    assert stored.id is not None and stored == replace(firefight(), id=stored.id)
    assert store.problems.of_team("T1", team.id) == [stored]
    assert store.problems.get("T1", stored.id).team_id == team.id
    assert store.problems.get("T2", stored.id) is None  # another workspace's id: nothing
    assert store.problems.get("T1", 2**70) is None  # an id from a forged button
    assert store.problems.owned_by("T1", ADA) == [stored]
    assert store.problems.from_source(team.id, "2026-W15", "firefight", "0123456789ab") == stored


def test_the_same_digest_entry_tracked_twice_is_stored_once(store, team):
    first = add(store, team)
    assert store.problems.add("T1", team.id, firefight(owner=BO), source_period="2026-W15",
                              source_key="0123456789ab", tracked_by=BO, now=NOW) is None
    assert store.problems.of_team("T1", team.id) == [first]  # the first press stays


def test_saving_a_recounted_week_writes_only_what_changed(store, team):
    stored = add(store, team)
    update = apply_week([stored], "2026-W16", [KtloItem("billing export job restarted again")])
    [counted] = update.problems
    assert update.changed == (stored.id,)
    assert store.problems.save("T1", counted, NOW)
    assert store.problems.get("T1", stored.id).problem.weeks == ("2026-W15", "2026-W16")
    # The same week again: nothing changes, and the rows are the same rows.
    rows = list(store.db.query("SELECT rowid, * FROM problem_weeks ORDER BY period"))
    again = apply_week([counted], "2026-W16", [KtloItem("billing export job restarted again")])
    assert again.changed == ()
    assert list(store.db.query("SELECT rowid, * FROM problem_weeks ORDER BY period")) == rows
    # A week recounted without its match drops it.
    [dropped] = apply_week([counted], "2026-W16", []).problems
    store.problems.save("T1", dropped, NOW)
    assert store.problems.get("T1", stored.id).problem.weeks == ("2026-W15",)
    fixed = set_status(dropped, "fixed", "2026-W17")
    store.problems.save("T1", fixed, NOW)
    assert store.problems.get("T1", stored.id).problem == fixed


def test_a_later_follow_up_answer_for_the_same_week_replaces_the_first(store, team):
    stored = add(store, team)
    assert store.problems.answer("T1", stored.id, FollowUp("2026-W16", "no"), BO, NOW)
    assert not store.problems.answer("T1", stored.id, FollowUp("2026-W16", "no"), BO, NOW)
    assert store.problems.answer("T1", stored.id, FollowUp("2026-W16", "partly"), ADA, NOW)
    assert store.problems.get("T1", stored.id).problem.follow_ups == (
        FollowUp("2026-W16", "partly"),)
    assert not store.problems.answer("T1", 999, FollowUp("2026-W16", "yes"), ADA, NOW)


def test_forget_me_keeps_the_teams_problem_without_its_owner_and_says_so(store, team):
    stored = add(store, team)
    other = add(store, team, replace(firefight(), owner=BO, title="VPN tickets"), key="b" * 12)
    store.problems.answer("T1", stored.id, FollowUp("2026-W16", "partly"), ADA, NOW)
    store.problems.answer("T1", other.id, FollowUp("2026-W16", "yes"), BO, NOW)
    counts = store.members.forget("T1", ADA)
    assert counts["problems_unowned"] == 1 and counts["follow_ups"] == 1
    kept = store.problems.get("T1", stored.id).problem
    assert (kept.owner, kept.title, kept.weeks, kept.follow_ups) == ("", FIREFIGHT,
                                                                     ("2026-W15",), ())
    assert store.problems.get("T1", other.id).problem.follow_ups == (
        FollowUp("2026-W16", "yes"),)  # Bo's answer is Bo's
    assert not list(store.db.query("SELECT 1 FROM tracked_problems WHERE tracked_by = ?",
                                   [ADA]))
    said = forget_replies.forgotten(counts)
    assert "You no longer own 1 tracked problem: it stays with the team" in said
    listed = json.dumps(problems_list([kept], "2026-W16", team_name="Platform").blocks)
    assert "no owner yet" in listed and ADA not in listed


def test_deleting_a_team_or_purging_the_workspace_leaves_no_problem_rows(store, team):
    stored = add(store, team)
    store.problems.answer("T1", stored.id, FollowUp("2026-W16", "partly"), ADA, NOW)
    tables = ("tracked_problems", "problem_references", "problem_weeks", "problem_follow_ups")

    def rows() -> dict[str, int]:
        return {t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    assert rows() == {"tracked_problems": 1, "problem_references": 2, "problem_weeks": 1,
                      "problem_follow_ups": 1}
    counts = store.workspaces.purge("T1")
    assert {t: counts[t] for t in tables} == {"tracked_problems": 1, "problem_references": 2,
                                             "problem_weeks": 1, "problem_follow_ups": 1}
    assert set(rows().values()) == {0}

    store.workspaces.ensure("T1", NOW)
    again = store.teams.create("T1", "Platform", NOW)
    add(store, again)
    assert store.teams.delete("T1", again.id)
    assert set(rows().values()) == {0}


def test_a_problem_cannot_point_at_a_team_that_does_not_exist(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.problems.add("T1", 999, firefight(), source_period="2026-W15",
                           source_key="0123456789ab", tracked_by=ADA, now=NOW)


# ── Track it: the button's value ────────────────────────────────────────────


def test_a_track_key_names_the_words_not_their_case_spacing_or_punctuation():
    assert track_key("Restarted the billing export job again!") == track_key(
        "  restarted THE billing-export job, again ")
    assert track_key(FIREFIGHT) != track_key("Restarted the billing export job")
    value = track_value(7, "2026-W17", "firefight", FIREFIGHT)
    assert parse_track_value(value) == TrackRef(7, "2026-W17", "firefight", track_key(FIREFIGHT))
    assert len(value) < 2000  # Slack's limit for a button value


@pytest.mark.parametrize("value", ["", "7:2026-W17:firefight", "x:2026-W17:firefight:0123456789ab",
                                   "7:2026-W54:firefight:0123456789ab",
                                   "7:2026-W17:meeting:0123456789ab",
                                   "7:2026-W17:problem:<!channel>12345"])
def test_a_forged_or_broken_track_value_is_refused_clearly(value):
    with pytest.raises(ProblemError, match="is not a Track it button's value"):
        parse_track_value(value)


# ── the digest ──────────────────────────────────────────────────────────────


def reply(user: str, kind: str, period: str, *texts: str, label: str = "ktlo") -> Reply:
    return Reply("T1", user, kind, kind, period, "\n".join(texts),
                 tuple(Item(t, kind, label if kind == "work" else None, 0.9) for t in texts),
                 author_name=user)


def digest_of_w17(problems=()):
    past = tuple((f"2026-W{w}", (FIREFIGHT,)) for w in (16, 15, 14))
    inp = DigestInput("T1", "Platform", "2026-W17", 2, (
        reply(ADA, "work", "2026-W17", FIREFIGHT, "Answered <!channel> tickets"),
        reply(BO, "problem", "2026-W17", "The release checklist keeps getting skipped"),
        reply(BO, "opportunity", "2026-W17", "Sell the reporting add-on to schools")),
        past_ktlo=past)
    digest = build_digest(inp)
    update = apply_week(list(problems), "2026-W17", week_items(digest))
    return digest, tracking(digest, update.problems, team_id=3, names={ADA: "Ada"})


def test_each_recurring_firefight_and_agenda_item_carries_track_it_naming_its_entry():
    digest, tracked = digest_of_w17()
    blocks = render_digest_blocks(replace(digest, tracking=tracked)).blocks
    found = {b["accessory"]["value"]: b["text"]["text"] for b in blocks
             if b.get("accessory", {}).get("action_id") == PROBLEM_TRACK}
    assert len(found) == 3
    for value in found:
        ref = parse_track_value(value)
        assert (ref.team_id, ref.period) == (3, "2026-W17")
        assert find_trackable(digest, ref) is not None  # the press finds its entry again
    assert {parse_track_value(v).kind for v in found} == {"firefight", "problem", "opportunity"}
    assert check_blocks(blocks, "message") == [] and find_unescaped_broadcasts(blocks) == []
    # The terminal's digest and a digest shown without its team's problems: no buttons.
    assert PROBLEM_TRACK not in json.dumps(render_digest_blocks(digest).blocks)
    assert "TRACKED PROBLEMS" not in render_digest_text(replace(digest, tracking=tracked))


def test_an_entry_tracked_already_shows_its_problem_instead_of_a_button_and_is_listed():
    problem = TrackedProblem(FIREFIGHT, "firefight", ADA, "2026-W16", references=(FIREFIGHT,),
                             weeks=("2026-W16",), id=1)
    checklist = TrackedProblem("Release checklist skipped", "problem", ADA, "2026-W16",
                               references=("release checklist skipped again",), id=2)
    digest, tracked = digest_of_w17([problem, checklist])
    assert tracked_as("firefight", FIREFIGHT, [problem]) == problem
    assert tracked_as("problem", "The release checklist keeps getting skipped",
                      [checklist]) == checklist
    message = render_digest_blocks(replace(digest, tracking=tracked))
    buttons = [b for b in message.blocks if b.get("accessory", {}).get("action_id")
               == PROBLEM_TRACK]
    assert [parse_track_value(b["accessory"]["value"]).kind for b in buttons] == ["opportunity"]
    text = json.dumps(message.blocks)
    assert "tracked, open, owner Ada" in text
    assert "2 weeks of firefighting this quarter" in text  # W16, and W17 counted now
    assert "TRACKED PROBLEMS" in render_digest_text(replace(digest, tracking=tracked))


def test_a_digest_full_of_trackable_entries_and_problems_stays_within_block_kit_limits():
    themes = ["billing export", "search indexer", "vpn client", "payroll run", "cert renewal",
              "ci runners", "backup job", "dns records", "queue worker", "email bounces"]
    past = tuple((f"2026-W{w}", tuple(f"Restarted the {t} again" for t in themes))
                 for w in (16, 15, 14))
    replies = [reply(ADA, "work", "2026-W17", *(f"Restarted the {t} again" for t in themes),
                     *(f"Shipped feature {n}" for n in range(30)), label="ktlo")]
    for n, t in enumerate(themes):
        replies.append(reply(f"U0P{n:03d}", "problem", "2026-W17", f"Fix the {t}"))
        replies.append(reply(f"U0O{n:03d}", "opportunity", "2026-W17", f"A {t} marketplace"))
    digest = build_digest(DigestInput("T1", "Platform", "2026-W17", 30, tuple(replies),
                                      past_ktlo=past))
    problems = [TrackedProblem(f"Problem {n} " + "x" * 140, "firefight", ADA, "2026-W10",
                               references=(f"unrelated words {n}",), weeks=("2026-W10",),
                               id=100 + n) for n in range(60)]
    _, tracked = digest_of_w17(problems)
    message = render_digest_blocks(replace(digest, tracking=tracked))
    blocks = message.blocks
    assert len(digest.recurring) == len(digest.problems) == len(digest.opportunities) == 10
    assert len(blocks) <= 50 and blocks[-1]["type"] == "context"  # the footer is kept
    assert check_blocks(blocks, "message") == []
    text = json.dumps(blocks)
    assert text.count(PROBLEM_TRACK) == 18  # six of each list; the rest are in the thread
    assert "Tracked problems" in text and "more_" in text  # the section, cut to fit
    assert message.thread and all(check_blocks(b, "message") == [] for _, b in message.thread)


def test_moving_or_handing_over_a_problem_marks_only_its_teams_newest_digest(store, team):
    from types import SimpleNamespace

    from bot.problems import hand_over, move

    other = store.teams.create("T1", "Support", NOW, digest_channel="C0SUPPORT")
    posted = {}
    for t, channel in ((team, "C0DIGEST"), (other, "C0SUPPORT")):
        for period in ("2026-W15", "2026-W16"):
            claim = store.digests.claim("T1", channel, period, NOW, team_id=t.id)
            store.digests.mark_posted(claim.id, f"{channel}.{period}", [], NOW)
            posted[(channel, period)] = claim.id
    stored = add(store, team)
    hw = SimpleNamespace(store=store, now=lambda: NOW)  # all `move` needs: store and clock

    def dirty() -> set[tuple[str, str]]:
        return {(c, p) for c, p in posted if store.digests.get("T1", c, p).dirty}

    assert move(hw, team, stored.id, "in_progress").status == "in_progress"
    assert dirty() == {("C0DIGEST", "2026-W16")}  # the newest, of Platform only
    store.digests.set_dirty(posted[("C0DIGEST", "2026-W16")], False)
    assert move(hw, team, stored.id, "in_progress").status == "in_progress"  # a double click
    assert dirty() == set()
    hand_over(hw, team, stored.id, BO)
    assert dirty() == {("C0DIGEST", "2026-W16")}
