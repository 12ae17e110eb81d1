"""Can this conversation receive a digest? Pure judgement over Slack's conversation object.

`/headway digest here` can be typed anywhere Slack shows the command: a public or private
channel, a DM, a group DM. Only a channel can receive the weekly digest, and only one that
Headway is in (a public one it can join by itself; a private one needs an invitation).
The edge asks `conversations.info` and hands the `channel` object (or the error) here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

HERE = "`/headway digest here`"
DM = ("A direct message can't receive the weekly digest. Run " + HERE +
      " in the channel that should get it.")
GROUP_DM = ("A group DM can't receive the weekly digest. Run " + HERE + " in the channel "
            "that should get it (in a private channel, type `/invite @Headway` there first).")
INVITE = ("Headway isn't in this private channel, so it couldn't post the digest here. Type "
          "`/invite @Headway` in this channel, then run " + HERE + " again.")
UNSEEN = ("Headway can't see this conversation. If it's a private channel, type "
          "`/invite @Headway` in it first, then run " + HERE + " again. A DM or group DM "
          "can't receive the digest: run it in the channel that should get it.")
ARCHIVED = "This channel is archived: run " + HERE + " in a channel that is in use."


@dataclass(frozen=True)
class DigestHere:
    """What to do with `digest here` in a conversation: `use` it as it is, `join` it first
    (a public channel Headway is not in), or `refuse` with `message` saying what to do."""

    action: Literal["use", "join", "refuse"]
    message: str = ""


def judge_digest_channel(channel: Mapping[str, Any]) -> DigestHere:
    """The verdict for a `conversations.info` channel object.

    Flags as Slack sets them: `is_im` (DM), `is_mpim` (group DM, which Slack also marks
    `is_private` and, for old ones, `is_group`), `is_private` (private channel),
    `is_member` (Headway is in it), `is_archived`.
    """
    if channel.get("is_im"):
        return DigestHere("refuse", DM)
    if channel.get("is_mpim"):
        return DigestHere("refuse", GROUP_DM)
    if channel.get("is_archived"):
        return DigestHere("refuse", ARCHIVED)
    if channel.get("is_member"):
        return DigestHere("use")
    if channel.get("is_private") or channel.get("is_group"):
        return DigestHere("refuse", INVITE)
    return DigestHere("join")


def explain_info_error(error: str, needed: str | None = None) -> str:
    """What to tell the admin when `conversations.info` itself was refused."""
    if error == "channel_not_found":
        # Slack hides private channels, DMs and group DMs Headway is not part of.
        return UNSEEN
    if error == "missing_scope":
        scope = f" (`{needed}`)" if needed else ""
        return ("Headway's installation lacks a permission this needs" + scope + ": a "
                "workspace admin reinstalls Headway from its manifest, then runs " + HERE +
                " again.")
    return (f"Slack refused to describe this conversation (`{error}`). Nothing was changed; "
            "try again in a moment.")


def explain_join_error(error: str) -> str:
    """What to tell the admin when Headway could not join a public channel by itself."""
    if error == "is_archived":
        return ARCHIVED
    return (f"Headway couldn't join this channel (`{error}`). Type `/invite @Headway` in it, "
            "then run " + HERE + " again.")


def reworded(message: str, command: str, post: str) -> str:
    """One of the messages above for another weekly post (`rollup here`, "leaders'
    rollup"): the same channel rules, its own command and post named."""
    return (message.replace(HERE, f"`/headway {command}`")
            .replace("the weekly digest", f"the {post}").replace("the digest", f"the {post}"))
