"""Teams as rules (`bot.core.teams`) and as stored (`store.teams`): names, which team a
command means, memberships as spans of weeks, leads, and a team's view of the replies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.commands import CommandError, parse_command
from bot.core.model import Item, Member, Reply, Team
from bot.core.teams import (
    TeamChoice,
    check_team_name,
    pack_of,
    read_rename,
    team_key,
    which_team,
)
from bot.store import Store
from bot.store.teams import TeamConflict

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
PLATFORM = Team(1, "T1", "Platform", digest_channel="CPLAT", pack="default")
SUPPORT = Team(2, "T1", "Customer Support", digest_channel="CSUP", pack="agenda")


# ── names and choosing a team ────────────────────────────────────────────────


def test_a_team_name_is_tidied_and_compared_without_case_or_extra_spaces():
    assert check_team_name("  Customer   Support ") == "Customer Support"
    assert team_key("CUSTOMER support") == team_key("customer  Support")
    assert team_key("Straße") == team_key("STRASSE")  # casefold, not lower


@pytest.mark.parametrize("bad,why", [
    ("", "Give the team a name"),
    ("x" * 41, "at most 40 characters"),
    ("<@U123>", "not a team name"),
    ("#eng", "not a team name"),
    ("for", "a word Headway's commands use"),
    ("To", "a word Headway's commands use"),
])
def test_a_bad_team_name_says_what_is_wrong(bad, why):
    with pytest.raises(ValueError, match=why):
        check_team_name(bad)


def test_the_team_named_wins_then_the_channels_team_then_the_only_team():
    teams = [PLATFORM, SUPPORT]
    assert which_team(teams, name="customer support", channel="CPLAT") == SUPPORT
    assert which_team(teams, name=None, channel="CSUP") == SUPPORT
    assert which_team([PLATFORM], name=None, channel="CELSEWHERE") == PLATFORM


def test_with_several_teams_and_no_name_the_answer_lists_them_and_shows_the_form():
    with pytest.raises(TeamChoice) as choice:
        which_team([PLATFORM, SUPPORT], name=None, channel="CELSEWHERE", verb="to")
    assert "2 teams" in choice.value.message and "`to Platform`" in choice.value.message
    assert "*Customer Support*" in choice.value.message


def test_an_unknown_team_name_is_refused_naming_the_teams_there_are():
    with pytest.raises(TeamChoice, match=r"no team called \*Sales\*.*\*Platform\*"):
        which_team([PLATFORM, SUPPORT], name="Sales", channel=None)
    with pytest.raises(TeamChoice, match="no teams yet"):
        which_team([], name="Sales", channel=None)


def test_a_person_in_two_teams_is_asked_from_the_first_teams_pack():
    assert pack_of([SUPPORT, PLATFORM], "default") == "agenda"
    assert pack_of([], "workspace-pack") == "workspace-pack"


# ── the command forms ────────────────────────────────────────────────────────


def test_team_commands_take_their_team_after_to_from_or_for():
    add = parse_command("team add <@U1|ana> <#C9|eng> to Customer Support")
    assert (add.name, add.users, add.channels, add.team) == (
        "team add", ("U1",), ("C9",), "Customer Support")
    assert parse_command("team remove <@U1> from platform").team == "platform"
    lead = parse_command("team lead remove <@U2|bo> for Sales")
    assert (lead.name, lead.users, lead.team) == ("team lead remove", ("U2",), "Sales")
    assert parse_command("team add <@U1>").team is None


def test_a_team_whose_name_holds_to_from_or_for_can_be_named_after_the_verb():
    # `team create Back to School` is accepted, so every form naming a team must reach it:
    # the name is everything after the FIRST verb (the words before it are mentions, a
    # share, a day and time: never `to`, `from` or `for`).
    add = parse_command("team add <@U1|ana> to Back to School")
    assert (add.users, add.team) == (("U1",), "Back to School")
    assert parse_command("team remove <@U1> from Away from Home").team == "Away from Home"
    assert parse_command("target 40% for Food for Thought").team == "Food for Thought"
    lead = parse_command("team lead remove <@U2|bo> for Food for Thought")
    assert (lead.users, lead.team) == (("U2",), "Food for Thought")
    assert parse_command("digest time fri 16:00 for Food for Thought").team == (
        "Food for Thought")


def test_a_target_may_have_a_space_before_its_percent_sign():
    spaced = parse_command("target 40 % for Sales")
    assert (spaced.share, spaced.flag, spaced.team) == (0.4, True, "Sales")
    with pytest.raises(CommandError, match="not a share"):
        parse_command("target 0 %")


def test_target_takes_a_percentage_or_off_and_an_optional_team():
    forty = parse_command("target 40% for Sales")
    assert (forty.share, forty.flag, forty.team) == (0.4, True, "Sales")
    assert parse_command("target off").flag is False
    for bad in ("target 0", "target 101%", "target lots", "target", "target 40 for"):
        with pytest.raises(CommandError):
            parse_command(bad)


def test_digest_time_and_prompts_take_an_optional_team():
    digest = parse_command("digest time fri 16:00 for Support")
    assert (digest.day, digest.at.hour, digest.team) == (4, 16, "Support")
    assert parse_command("prompts agenda for Sales").pack == "agenda"
    with pytest.raises(CommandError, match="takes people, not channels"):
        parse_command("team lead <#C1|eng>")


# ── the store ────────────────────────────────────────────────────────────────


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "headway.db")
    s.workspaces.ensure("T1", NOW, "Acme")
    for uid in ("U1", "U2", "U3"):
        s.members.upsert(Member("T1", uid), NOW)
    yield s
    s.close()


def test_team_names_and_channels_are_unique_in_a_workspace(store):
    store.teams.create("T1", "Platform", NOW, digest_channel="C1")
    with pytest.raises(TeamConflict, match="already a team called Platform"):
        store.teams.create("T1", "PLATFORM", NOW)
    with pytest.raises(TeamConflict, match="already gets the digest of Platform"):
        store.teams.create("T1", "Support", NOW, digest_channel="C1")
    store.workspaces.ensure("T2", NOW)
    assert store.teams.create("T2", "Platform", NOW, digest_channel="C1").workspace_id == "T2"
    assert [t.name for t in store.teams.of("T1")] == ["Platform"]  # nothing half-made


def test_a_membership_is_a_span_of_weeks_and_a_team_counts_who_was_in_it_each_week(store):
    team = store.teams.create("T1", "Platform", NOW)
    assert store.teams.add_member("T1", team.id, "U1", "2026-W40", NOW)
    assert not store.teams.add_member("T1", team.id, "U1", "2026-W41", NOW)  # already in
    store.teams.add_member("T1", team.id, "U2", "2026-W45", NOW)
    assert store.teams.remove_member(team.id, "U1", "2026-W47")
    assert not store.teams.remove_member(team.id, "U1", "2026-W48")
    counts = {p: store.teams.count_members(team.id, p)
              for p in ("2026-W39", "2026-W40", "2026-W46", "2026-W47")}
    assert counts == {"2026-W39": 0, "2026-W40": 1, "2026-W46": 2, "2026-W47": 1}
    assert store.teams.member_ids(team.id) == ["U2"]


def test_taken_out_and_put_back_in_the_same_week_leaves_no_gap_and_no_empty_span(store):
    team = store.teams.create("T1", "Platform", NOW)
    store.teams.add_member("T1", team.id, "U1", "2026-W40", NOW)
    store.teams.remove_member(team.id, "U1", "2026-W47")
    store.teams.add_member("T1", team.id, "U1", "2026-W47", NOW)
    store.teams.add_member("T1", team.id, "U2", "2026-W47", NOW)
    store.teams.remove_member(team.id, "U2", "2026-W47")  # in and out within one week
    spans = list(store.db.query("SELECT user_id, since, until FROM team_members ORDER BY id"))
    assert spans == [{"user_id": "U1", "since": "2026-W40", "until": None}]


def test_a_teams_replies_are_those_of_its_people_in_the_weeks_they_were_in_it(store):
    platform = store.teams.create("T1", "Platform", NOW)
    support = store.teams.create("T1", "Support", NOW)
    store.teams.add_member("T1", platform.id, "U1", "2026-W40", NOW)
    store.teams.add_member("T1", support.id, "U1", "2026-W40", NOW)  # in both
    store.teams.add_member("T1", platform.id, "U2", "2026-W40", NOW)
    store.teams.remove_member(platform.id, "U2", "2026-W47")  # moved to Support
    store.teams.add_member("T1", support.id, "U2", "2026-W47", NOW)
    for uid, period, label in (("U1", "2026-W46", "progress"), ("U2", "2026-W46", "ktlo"),
                               ("U2", "2026-W47", "ktlo"), ("U3", "2026-W47", "progress")):
        store.replies.add(Reply("T1", uid, "w", "work", period, f"{uid} {period}",
                                items=(Item(f"{uid} {period}", "work", label),)),
                          source="dm", now=NOW)
    def texts(team: Team) -> list[str]:
        return [r.text for r in store.replies.of("T1", team_id=team.id)]
    assert texts(platform) == ["U1 2026-W46", "U2 2026-W46"]  # U2's week before the move
    assert texts(support) == ["U1 2026-W46", "U2 2026-W47"]  # U3 is in no team
    shares = store.replies.week_shares("T1", ["2026-W46", "2026-W47"], team_id=platform.id)
    assert [(w.progress, w.ktlo) for w in shares] == [(1, 1), (0, 0)]
    assert store.replies.ktlo_texts("T1", ["2026-W47"], team_id=support.id) == {
        "2026-W47": ["U2 2026-W47"]}


def test_leads_are_per_team_and_the_teams_someone_leads_are_listed(store):
    platform = store.teams.create("T1", "Platform", NOW)
    support = store.teams.create("T1", "Support", NOW)
    assert store.teams.add_lead("T1", platform.id, "U1", "UADMIN", NOW)
    assert not store.teams.add_lead("T1", platform.id, "U1", "UADMIN", NOW)
    store.teams.add_lead("T1", support.id, "U2", "UADMIN", NOW)
    assert store.teams.leads(platform.id) == ["U1"]
    assert [t.name for t in store.teams.led_by("T1", "U1")] == ["Platform"]
    assert store.teams.remove_lead(platform.id, "U1")
    assert store.teams.led_by("T1", "U1") == []


def test_forget_me_takes_a_members_memberships_and_leads_too(store):
    team = store.teams.create("T1", "Platform", NOW)
    store.teams.add_member("T1", team.id, "U1", "2026-W40", NOW)
    store.teams.add_member("T1", team.id, "U2", "2026-W40", NOW)
    store.teams.add_lead("T1", team.id, "U1", "UADMIN", NOW)
    store.members.forget("T1", "U1")
    assert store.teams.member_ids(team.id) == ["U2"]
    assert store.teams.leads(team.id) == []
    rows = list(store.db.query("SELECT user_id FROM team_members UNION ALL "
                               "SELECT user_id FROM team_leads"))
    assert rows == [{"user_id": "U2"}]


def test_deleting_a_team_keeps_its_posted_digests_as_records(store):
    team = store.teams.create("T1", "Platform", NOW, digest_channel="C1")
    store.teams.add_member("T1", team.id, "U1", "2026-W40", NOW)
    claim = store.digests.claim("T1", "C1", "2026-W47", NOW, team_id=team.id)
    assert claim is not None and claim.team_id == team.id
    assert store.teams.delete("T1", team.id)
    assert store.teams.of("T1") == []
    assert store.digests.get("T1", "C1", "2026-W47").team_id is None
    assert store.db["team_members"].count == 0


def test_a_members_own_export_says_which_teams_they_are_and_were_in(store):
    platform = store.teams.create("T1", "Platform", NOW)
    support = store.teams.create("T1", "Support", NOW)
    store.teams.add_member("T1", platform.id, "U1", "2026-W40", NOW)
    store.teams.remove_member(platform.id, "U1", "2026-W45")
    store.teams.add_member("T1", support.id, "U1", "2026-W45", NOW)
    store.teams.add_lead("T1", support.id, "U1", "UADMIN", NOW)
    store.teams.add_member("T1", support.id, "U2", "2026-W45", NOW)  # not U1's
    assert store.exports.member("T1", "U1")["teams"] == [
        {"team": "Platform", "since": "2026-W40", "until": "2026-W45", "lead": False},
        {"team": "Support", "since": "2026-W45", "until": None, "lead": True},
    ]


def test_a_change_marks_only_the_digests_of_its_authors_teams_and_the_rollup(store):
    platform = store.teams.create("T1", "Platform", NOW, digest_channel="CP")
    support = store.teams.create("T1", "Support", NOW, digest_channel="CS")
    store.teams.add_member("T1", platform.id, "U1", "2026-W40", NOW)
    store.teams.add_member("T1", support.id, "U2", "2026-W40", NOW)
    posted = {}
    for team, channel in ((platform, "CP"), (support, "CS")):
        claim = store.digests.claim("T1", channel, "2026-W47", NOW, team_id=team.id)
        store.digests.mark_posted(claim.id, f"{channel}.1", [], NOW)
        posted[channel] = claim.id
    rollup = store.rollups.claim("T1", "CLEADS", "2026-W47", NOW)
    store.rollups.mark_posted(rollup.id, "L.1", [], NOW)

    store.replies.add(Reply("T1", "U1", "w", "work", "2026-W47", "late",
                            items=(Item("late", "work", "ktlo"),)), source="dm", now=NOW)
    dirty = {c: store.digests.get("T1", c, "2026-W47").dirty for c in ("CP", "CS")}
    assert dirty == {"CP": True, "CS": False}
    assert store.rollups.get("T1", "CLEADS", "2026-W47").dirty


def test_a_rename_reads_the_old_name_only_when_it_names_a_team():
    school = Team(3, "T1", "Back to School", digest_channel="CSCHOOL")
    teams = [PLATFORM, school]
    assert read_rename("Back to School to Sales", teams, channel=None) == (school, "Sales")
    assert read_rename("platform to Core  Platform", teams, channel=None) == (
        PLATFORM, "Core Platform")
    # In a team's channel the whole text is the new name, `to` and all.
    assert read_rename("Ready to Ship", teams, channel="CPLAT") == (PLATFORM, "Ready to Ship")
    with pytest.raises(TeamChoice):
        read_rename("Core", teams, channel="CELSEWHERE")
    with pytest.raises(ValueError, match="a word Headway's commands use"):
        read_rename("Platform to for", teams, channel=None)
