"""Building a member from a Slack user object (`join`, `team add`): one function, with the
zone checked on the way in and the member's own settings kept."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
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
    hw.store.ensure_workspace(T1, clock.now, "Acme")
    hw.store.update_workspace(T1, tz="Asia/Kolkata")


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
                      inactive_reason="left", name="old name")
    member = member_from_user(hw, T1, user_object(fake, "U1"), existing, unpause=unpause)
    assert (member.days, member.nudge_time, member.anonymous) == ((0, 2), time(10, 30), True)
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
