"""A demanding new user's mistakes with teams, through signed `/headway` commands against
the fake Slack: each answer is specific and right, repeats their text escaped, and a
refused command changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import answer_to

T = "T0001"  # the workspace SlackDriver signs its commands for


def ask(slack, fake, text: str, user: str, channel: str = "C0GENERAL") -> str:
    return answer_to(fake, slack.command(text, user=user, channel=channel))


def people(fake, clock) -> None:
    clock.now = datetime(2026, 11, 10, 10, tzinfo=UTC)
    fake.add_user("UADMIN", tz="UTC", is_admin=True)
    for uid in ("UANA", "UX"):
        fake.add_user(uid, tz="UTC")


def test_a_team_name_with_an_ampersand_is_repeated_escaped_in_every_refusal(
        slack, fake, hw, clock):
    people(fake, clock)
    # Slack sends a typed `&` as `&amp;`; the team is stored as typed, `R&D`.
    assert "Team *R&amp;D* created" in ask(slack, fake, "team create R&amp;D", "UADMIN", "C0RD")
    assert hw.store.teams.named(T, "R&D") is not None

    again = ask(slack, fake, "team create r&amp;d", "UADMIN", "C0OTHER")
    assert again == "There is already a team called *R&amp;D*."
    taken = ask(slack, fake, "team create Ops", "UADMIN", "C0RD")
    assert taken.startswith("This channel already gets *R&amp;D*'s digest")
    assert "Ops" in ask(slack, fake, "team create Ops", "UADMIN", "C0OPS")
    moved = ask(slack, fake, "digest here Ops", "UADMIN", "C0RD")
    assert moved == ("Nothing changed: that channel already gets the digest of R&amp;D. "
                     "A channel gets one team's digest.")
    assert hw.store.teams.named(T, "Ops").digest_channel == "C0OPS"  # nothing moved


def test_join_in_a_workspace_of_several_teams_shows_the_join_form_not_for(
        slack, fake, hw, clock):
    people(fake, clock)
    ask(slack, fake, "team create Platform", "UADMIN", "C0PLAT")
    ask(slack, fake, "team create Support", "UADMIN", "C0SUPP")
    which = ask(slack, fake, "join", "UANA", "D0ANA")
    assert "say which, e.g. `join Platform`" in which, which
    assert hw.store.members.get(T, "UANA") is None  # a refusal changes nothing
    # What the answer suggests works as written.
    assert "*Platform*" in ask(slack, fake, "join Platform", "UANA", "D0ANA")
    assert [t.name for t in hw.store.teams.of_member(T, "UANA")] == ["Platform"]
    preview = ask(slack, fake, "digest preview", "UX", "D0X")
    assert "e.g. `digest preview Platform`" in preview, preview
    stats = ask(slack, fake, "stats team", "UX", "D0X")
    assert "e.g. `stats team Platform`" in stats, stats


def test_a_lead_command_refused_in_a_workspace_with_no_team_makes_no_team(
        slack, fake, hw, clock):
    people(fake, clock)
    for text in ("team status", "target 40%", "reminder off", "digest time fri 16:00"):
        refused = ask(slack, fake, text, "UX")
        assert "can do that" in refused, (text, refused)
    assert hw.store.teams.of(T) == []  # a curious member's refusal leaves no stray team
    # An admin's `team add` in that workspace still uses the default team, made now.
    assert "Added 1 member" in ask(slack, fake, "team add <@UANA|ana>", "UADMIN")
    [default] = hw.store.teams.of(T)
    assert hw.store.teams.member_ids(default.id) == ["UANA"]


def test_removing_someone_who_is_not_in_the_team_says_so_by_name(slack, fake, hw, clock):
    people(fake, clock)
    ask(slack, fake, "team create Platform", "UADMIN", "C0PLAT")
    ask(slack, fake, "team create Support", "UADMIN", "C0SUPP")
    assert "Added 1 member" in ask(slack, fake, "team add <@UANA|ana> to Support", "UADMIN")
    # Wrong team: Ana is in Support. "Removed 0 members" would leave the admin guessing.
    wrong = ask(slack, fake, "team remove <@UANA|ana> from Platform", "UADMIN")
    assert wrong == "Removed 0 members from *Platform*. Not in it: <@UANA>."
    assert [t.name for t in hw.store.teams.of_member(T, "UANA")] == ["Support"]
    # Someone Headway does not know is counted, never repeated as a (live) mention.
    stranger = ask(slack, fake, "team remove <@UEVIL> from Platform", "UADMIN")
    assert stranger == "Removed 0 members from *Platform*. 1 person named is not in Headway."
