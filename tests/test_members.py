"""Building a member from a Slack user object (`join`, `team add`): one function, with the
zone checked on the way in and the member's own settings kept."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from conftest import wait_for
from slack_sdk import WebClient

from bot.core.model import Member
from bot.members import member_from_user

T1 = "T0001"


def user_object(fake, user_id: str, **changes: Any) -> dict[str, Any]:
    """The fake's `users.info` answer (shaped on Slack's users.info user object), with
    `changes` applied the way Slack would send them."""
    client = WebClient(token=fake.token, base_url=fake.api_url)
    return {**client.users_info(user=user_id)["user"], **changes}


@pytest.fixture
def workspace(hw, clock):
    hw.store.workspaces.ensure(T1, clock.now, "Acme")
    hw.store.workspaces.update(T1, tz="Asia/Kolkata")


def test_a_new_member_gets_slacks_name_and_zone_and_the_default_schedule(fake, hw, workspace):
    fake.add_user("U1", tz="Europe/Berlin", name="ana")
    member = member_from_user(hw, T1, user_object(fake, "U1"), None, unpause=True)
    defaults = Member(T1, "U1")
    assert (member.user_id, member.tz, member.name) == ("U1", "Europe/Berlin", "ana")
    assert (member.days, member.nudge_time, member.active) == \
        (defaults.days, defaults.nudge_time, True)


def test_a_zone_this_machine_does_not_know_becomes_the_workspaces(fake, hw, workspace):
    fake.add_user("U1", tz="Europe/Berlin")
    user = user_object(fake, "U1", tz="Mars/Olympus_Mons")
    assert member_from_user(hw, T1, user, None, unpause=True).tz == "Asia/Kolkata"
    # A member whose stored zone is known keeps it rather than take the workspace's.
    existing = Member(T1, "U1", tz="America/Denver")
    assert member_from_user(hw, T1, user, existing, unpause=True).tz == "America/Denver"


@pytest.mark.parametrize("unpause,paused_until", [(True, None), (False, date(2026, 12, 1))])
def test_an_existing_member_keeps_their_settings_and_joining_ends_a_pause(
        fake, hw, workspace, unpause, paused_until):
    fake.add_user("U1", tz="Europe/Berlin", name="ana")
    existing = Member(T1, "U1", tz="Europe/Berlin", days=(0, 2), nudge_time=time(10, 30),
                      paused_until=date(2026, 12, 1), anonymous=True, active=False,
                      inactive_reason="left", name="old name",
                      quiet_hours=(time(22, 0), time(7, 0)))
    member = member_from_user(hw, T1, user_object(fake, "U1"), existing, unpause=unpause)
    assert (member.days, member.nudge_time, member.anonymous) == ((0, 2), time(10, 30), True)
    assert member.quiet_hours == (time(22, 0), time(7, 0))  # not wiped by a re-join
    assert member.paused_until == paused_until  # `join` ends it; an admin's `team add` not
    assert (member.active, member.inactive_reason, member.name) == (True, "", "ana")


def test_a_user_object_without_an_id_or_for_someone_else_is_refused(fake, hw, workspace):
    fake.add_user("U1", tz="Europe/Berlin")
    user = user_object(fake, "U1")
    with pytest.raises(ValueError, match="without an id"):
        member_from_user(hw, T1, {**user, "id": ""}, None, unpause=True)
    with pytest.raises(ValueError, match="is not member U2"):
        member_from_user(hw, T1, user, Member(T1, "U2"), unpause=True)
    assert member_from_user(hw, T1, user, Member(T1, "U1"), unpause=True).user_id == "U1"


def test_an_admins_team_add_keeps_what_members_set_for_themselves(slack, fake, hw, clock):
    fake.add_user("UADMIN", tz="Europe/Berlin", is_admin=True)
    fake.add_user("U1", tz="Europe/Berlin")
    slack.command("join", user="U1")
    wait_for(lambda: hw.store.members.get(T1, "U1"), what="U1 enrolled")
    answer = slack.command("quiet 20:00-08:00", user="U1")
    assert answer.status == 200
    quiet = (time(20, 0), time(8, 0))
    wait_for(lambda: hw.store.members.get(T1, "U1").quiet_hours == quiet, what="quiet hours")
    slack.command("team add <@U1|u1>", user="UADMIN")
    wait_for(lambda: [c for c in fake.calls_to("response_url")
                      if c.args.get("text", "").startswith("Added 0 members")],
             what="the team add answer")
    assert hw.store.members.get(T1, "U1").quiet_hours == quiet
