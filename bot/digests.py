"""Loading, building and posting a team's weekly digest.

A digest is posted at most once per (team, channel, period): the claim in the store comes
first, then the digest is built. Later runs for the same week update the posted message
with `chat.update` instead of posting again. What makes a later run due is the digest's
dirty mark, set by the store in the same transaction as any change it shows (a reply
added, edited or deleted, a label fixed, a member forgotten) and cleared just before the
digest is rebuilt: a change made while it is being built marks it again. When the
scheduler posts, updates or leaves a digest is decided in `bot.core.policies`.

Building a digest counts the week's KTLO items against the team's tracked problems
(`bot.core.problems.apply_week`); posting or updating it stores that count. A recount of
the same week changes nothing, so posting, updating and previewing any number of times
counts each week once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.context import Headway
from bot.core.chart import trend_png
from bot.core.digest import Digest, build_digest
from bot.core.effort import EffortAnswer
from bot.core.model import DigestInput, DigestRecord, Team
from bot.core.periods import recent_periods
from bot.core.policies import claim_is_stale
from bot.core.problems import apply_week, tracking, week_items
from bot.core.render import DigestMessage, render_digest_blocks
from bot.members import member_names, named

log = logging.getLogger(__name__)
TREND_WEEKS = 4


class DigestError(Exception):
    """The digest cannot be built or posted; the message says why, for a person."""


@dataclass(frozen=True)
class Posted:
    action: str  # posted | updated
    channel: str
    ts: str
    period: str
    thread_messages: int
    chart: bool = False


def load_input(hw: Headway, team: Team, period: str) -> DigestInput:
    """Everything the team's digest needs, read with a fixed number of queries whatever the
    history: the replies of the people who were in the team that week."""
    store = hw.store
    workspace_id, team_id = team.workspace_id, team.id
    previous = recent_periods(period, TREND_WEEKS)
    ktlo = store.replies.ktlo_texts(workspace_id, previous, team_id=team_id)
    return DigestInput(
        workspace_id=workspace_id,
        team_name=team.name,
        period=period,
        members_total=store.teams.count_members(team_id, period),
        replies=tuple(named(hw, workspace_id, store.replies.of(
            workspace_id, period=period, team_id=team_id))),
        history=tuple(store.replies.week_shares(workspace_id, previous, team_id=team_id)),
        past_ktlo=tuple((p, tuple(ktlo[p])) for p in reversed(previous)),
        effort=load_effort(hw, workspace_id, period, store.teams.member_ids(team_id)),
    )


def load_effort(hw: Headway, workspace_id: str, period: str,
                user_ids: Iterable[str] | None = None) -> tuple[EffortAnswer, ...]:
    """The effort question's answers of `period` for the digest (`DigestInput.effort`):
    of these members only when `user_ids` is given (a team's), else the workspace's."""
    return tuple(hw.store.efforts.of_period(workspace_id, period, user_ids))


def build(hw: Headway, team: Team, period: str) -> Digest:
    """The team's digest for `period`, with its tracked problems (the week's count shown,
    not stored: `record_problems` stores it when the digest is posted or updated)."""
    return with_problems(hw, team, build_digest(load_input(hw, team, period)))


def with_problems(hw: Headway, team: Team, digest: Digest) -> Digest:
    """`digest` with its team's tracked problems, the digest's week applied to them."""
    update = apply_week(hw.store.problems.of_team(team.workspace_id, team.id), digest.period,
                        week_items(digest))
    return replace(digest, tracking=tracking(digest, update.problems, team_id=team.id,
                                             names=member_names(hw, team.workspace_id)))


def record_problems(hw: Headway, team: Team, digest: Digest) -> None:
    """Store what the digest's week did to the team's tracked problems: the weeks counted,
    a fixed one reopened. Read, counted and written in one transaction, so a status moved
    meanwhile is not lost; the same week again writes nothing."""
    store = hw.store
    with store.atomic():
        update = apply_week(store.problems.of_team(team.workspace_id, team.id),
                            digest.period, week_items(digest))
        for problem in update.problems:
            if problem.id in update.changed:
                store.problems.save(team.workspace_id, problem, hw.now())
    if update.reopened:
        log.info("team %s/%s: %d tracked problem(s) reopened in %s", team.workspace_id,
                 team.id, len(update.reopened), digest.period)


def post_digest(hw: Headway, team: Team, period: str, channel: str | None = None) -> Posted:
    """Post the team's digest for `period` to its digest channel, or update it if posted."""
    store = hw.store
    workspace_id = team.workspace_id
    channel = channel or team.digest_channel
    if not channel:
        raise DigestError(
            f"{team.name} has no digest channel yet: an admin or a lead of the team runs "
            f"`/headway digest here` in the channel that should receive it"
        )
    client = hw.client_for(workspace_id)
    now = hw.now()

    claim = store.digests.claim(workspace_id, channel, period, now, team_id=team.id)
    if claim is None:
        existing = store.digests.get(workspace_id, channel, period)
        if existing is not None and existing.ts:
            store.digests.set_dirty(existing.id, False)
            try:
                digest = build(hw, team, period)
                record_problems(hw, team, digest)
                return _update(hw, client, existing, render_digest_blocks(digest))
            except DigestError:
                store.digests.set_dirty(existing.id, True)  # not shown yet: try again later
                raise
        if existing is not None and claim_is_stale(existing, now):
            # A run died between claiming and posting: take the claim over.
            store.digests.release(existing.id)
            return post_digest(hw, team, period, channel)
        raise DigestError(
            f"the {period} digest for this channel is being posted by another run; "
            f"try again in a minute"
        )
    # Built after the claim: a change from here on finds the claimed row and marks it.
    try:
        digest = build(hw, team, period)
        record_problems(hw, team, digest)
        message = render_digest_blocks(digest)
        resp = client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks)
    except SlackApiError as exc:
        store.digests.release(claim.id)
        raise DigestError(_explain(exc)) from None
    except BaseException:
        # Nothing reached Slack: free the claim so the next tick tries again at once.
        store.digests.release(claim.id)
        raise
    ts = resp["ts"]
    channel_id = resp.get("channel", channel)
    try:
        thread_ts = _post_thread(client, channel_id, ts, message)
    except SlackApiError as exc:
        # The main message is out: keep the claim (with its ts) so a rerun updates it.
        store.digests.mark_posted(claim.id, ts, [], hw.now())
        raise DigestError(_explain(exc)) from None
    store.digests.mark_posted(claim.id, ts, thread_ts, hw.now())
    chart = _upload_trend_chart(client, channel_id, ts, digest, _scopes(resp))
    return Posted("posted", channel_id, ts, period, len(thread_ts), chart)


def _scopes(resp: SlackResponse) -> frozenset[str] | None:
    """The bot token's scopes from Slack's `x-oauth-scopes` header; None if not sent."""
    for key, value in (resp.headers or {}).items():
        if key.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list) else value
            return frozenset(s.strip() for s in str(text).split(",") if s.strip())
    return None


def _upload_trend_chart(client: WebClient, channel: str, ts: str, digest: Digest,
                        scopes: frozenset[str] | None) -> bool:
    """The share trend as a PNG in the digest's thread, when the app may upload files.

    Only with the first post: a late-reply update changes the text bar, not the picture.
    Without `files:write` (an older install) the digest is text only, which is complete.
    """
    weeks = [*digest.trend, (digest.period, digest.share)]
    if all(share is None for _, share in weeks):
        return False
    if scopes is not None and "files:write" not in scopes:
        return False
    alt = ", ".join(f"{p}: {'no data' if v is None else f'{round(v * 100)}%'}"
                    for p, v in weeks)
    try:
        client.files_upload_v2(
            channel=channel, thread_ts=ts, content=trend_png(weeks),
            filename=f"headway-progress-share-{digest.period}.png",
            title=f"Progress share, {weeks[0][0]} to {digest.period}",
            alt_txt=f"Progress share by week: {alt}",
        )
    except SlackApiError as exc:
        log.warning("trend chart not uploaded: %s", exc.response.get("error"))
        return False
    return True


def _post_thread(client: WebClient, channel: str, parent_ts: str,
                 message: DigestMessage) -> list[str]:
    posted: list[str] = []
    for text, blocks in message.thread:
        resp = client.chat_postMessage(
            channel=channel, thread_ts=parent_ts, text=text, blocks=blocks
        )
        posted.append(resp["ts"])
    return posted


def _update(
    hw: Headway,
    client: WebClient,
    existing: DigestRecord,
    message: DigestMessage,
) -> Posted:
    channel, ts = existing.channel, existing.ts
    assert ts is not None
    try:
        client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        kept: list[str] = []
        for i, (text, blocks) in enumerate(message.thread):
            if i < len(existing.thread_ts):
                client.chat_update(
                    channel=channel, ts=existing.thread_ts[i], text=text, blocks=blocks
                )
                kept.append(existing.thread_ts[i])
            else:
                resp = client.chat_postMessage(
                    channel=channel, thread_ts=ts, text=text, blocks=blocks
                )
                kept.append(resp["ts"])
        for stale in existing.thread_ts[len(message.thread):]:
            client.chat_delete(channel=channel, ts=stale)
    except SlackApiError as exc:
        raise DigestError(_explain(exc)) from None
    hw.store.digests.mark_posted(existing.id, ts, kept, hw.now())
    return Posted("updated", channel, ts, existing.period, len(kept))


def _explain(exc: SlackApiError) -> str:
    error = exc.response.get("error", "unknown_error")
    hints = {
        "not_in_channel": "Headway is not in that channel: invite it with `/invite @Headway`",
        "channel_not_found": "that channel no longer exists or Headway cannot see it",
        "is_archived": "that channel is archived",
        "ratelimited": "Slack is rate limiting Headway; it will try again",
    }
    return f"Slack said `{error}`" + (f": {hints[error]}" if error in hints else "")
