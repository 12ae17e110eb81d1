"""A team's digest reads walk indexes, never a whole table: the quarter's shares, the team's
people in a week and their effort answers included (SQLite's own query plans, no timing)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.model import Item, Member, Reply
from bot.core.periods import quarter_periods
from bot.digests import load_input

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
P = "2026-W47"


def test_a_teams_digest_input_is_read_through_indexes_only(hw):
    store = hw.store
    weeks = quarter_periods(P)[: quarter_periods(P).index(P) + 1]
    teams = {}
    for workspace in ("T1", "T2"):  # another workspace's rows must not be walked either
        store.workspaces.ensure(workspace, NOW, workspace)
        for name in ("Platform", "Support"):
            teams[workspace, name] = store.teams.create(workspace, name, NOW, tz="UTC")
        for uid in ("U1", "U2", "U3"):
            store.members.upsert(Member(workspace, uid, name=uid), NOW)
            first = "Support" if uid == "U2" else "Platform"
            store.teams.add_member(workspace, teams[workspace, first].id, uid, "2026-W40", NOW)
            for period in weeks:
                store.replies.add(Reply(workspace, uid, "w", "work", period, "a\nb", items=(
                    Item(f"shipped {period}", "work", "progress", 0.9),
                    Item(f"restarted {period}", "work", "ktlo", 0.8))), source="dm", now=NOW)
            store.efforts.answer(workspace, uid, P, "half", NOW)
        # U1 is in Platform, U2 in Support, U3 moves from Platform to Support in W45
        store.teams.remove_member(teams[workspace, "Platform"].id, "U3", "2026-W45")
        store.teams.add_member(workspace, teams[workspace, "Support"].id, "U3", "2026-W45", NOW)
    platform = store.teams.update("T1", teams["T1", "Platform"].id, target=0.4)

    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        inp = load_input(hw, platform, P)
    finally:
        store.db.conn.set_trace_callback(None)
    # canaries: every read found rows, and the team's weeks are its own people's
    assert {r.user_id for r in inp.replies} == {"U1"}  # U3 left in W45, U2 is Support's
    assert inp.members_total == 1 and [a.user_id for a in inp.effort] == ["U1"]
    assert [(w.period, w.progress) for w in inp.quarter][:6] == [
        ("2026-W40", 2), ("2026-W41", 2), ("2026-W42", 2), ("2026-W43", 2), ("2026-W44", 2),
        ("2026-W45", 1)]
    assert inp.target == 0.4 and len(inp.history) == 4
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert any("team_members" in sql for sql in reads), reads
    for sql in reads:
        plan = [row[3] for row in store.db.conn.execute("EXPLAIN QUERY PLAN " + sql)]
        scans = [step for step in plan if step.startswith("SCAN")]
        assert scans == [], f"{sql}\n→ {plan}"
