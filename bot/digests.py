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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.context import Headway
from bot.core.chart import trend_png
from bot.core.digest import Digest, build_digest
from bot.core.effort import EffortAnswer
from bot.core.model import DigestInput, DigestRecord, Team
from bot.core.periods import quarter_periods, recent_periods
from bot.core.policies import claim_is_stale
from bot.core.problems import apply_week, tracking, week_items
from bot.core.render import DigestMessage, render_digest_blocks
from bot.members import member_names, named
from bot.store.digests import Digests

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
    history: the replies of the people who were in the team that week. The previous
    weeks' shares and those of the quarter so far come from one aggregate query."""
    store = hw.store
    workspace_id, team_id = team.workspace_id, team.id
    previous = recent_periods(period, TREND_WEEKS)
    quarter = quarter_periods(period)
    quarter = quarter[:quarter.index(period)]  # this week's own counts come from its items
    shares = {w.period: w for w in store.replies.week_shares(
        workspace_id, sorted({*previous, *quarter}), team_id=team_id)}
    ktlo = store.replies.ktlo_texts(workspace_id, previous, team_id=team_id)
    return DigestInput(
        workspace_id=workspace_id,
        team_name=team.name,
        period=period,
        members_total=store.teams.count_members(team_id, period),
        replies=tuple(named(hw, workspace_id, store.replies.of(
            workspace_id, period=period, team_id=team_id))),
        history=tuple(shares[p] for p in previous),
        past_ktlo=tuple((p, tuple(ktlo[p])) for p in reversed(previous)),
        # the people in the team that week, as for its replies: a move since changes nothing
        effort=load_effort(hw, workspace_id, period, store.teams.members_in(team_id, period)),
        target=team.target,
        quarter=tuple(shares[p] for p in quarter),
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
    channel = channel or team.digest_channel
    if not channel:
        raise DigestError(
            f"{team.name} has no digest channel yet: an admin or a lead of the team runs "
            f"`/headway digest here` in the channel that should receive it"
        )
    built: list[Digest] = []

    def message() -> DigestMessage:
        # Each post or update of the week's digest records its tracked problems' count
        # (idempotent: the week is recomputed, never added twice).
        built.append(build(hw, team, period))
        record_problems(hw, team, built[-1])
        return render_digest_blocks(built[-1])

    def chart(client: WebClient, channel_id: str, ts: str, resp: SlackResponse) -> bool:
        return _upload_trend_chart(client, channel_id, ts, built[-1], token_scopes(resp))

    return post_weekly(hw, hw.store.digests, team.workspace_id, channel, period, message,
                       chart, team_id=team.id)


# After the first post of a weekly message, what goes into its thread besides the message's
# own (a chart): given the client, the channel, the message's ts and Slack's response to
# the post; True when something was added.
AfterPost = Callable[[WebClient, str, str, SlackResponse], bool]


def post_weekly(hw: Headway, ledger: Digests, workspace_id: str, channel: str, period: str,
                message: Callable[[], DigestMessage], after_post: AfterPost | None = None, *,
                team_id: int | None = None, what: str = "digest") -> Posted:
    """Post a weekly message (a team's digest, the leaders' rollup) of `period` to
    `channel` under the ledger's rules, or update it if it was posted: the claim in
    `ledger` comes first, then `message()` builds it; a later run rebuilds it and updates
    the posted message and its thread (`chat.update`). DigestError says why Slack refused.
    """
    client = hw.client_for(workspace_id)
    now = hw.now()

    claim = ledger.claim(workspace_id, channel, period, now, team_id=team_id)
    if claim is None:
        existing = ledger.get(workspace_id, channel, period)
        if existing is not None and existing.ts:
            ledger.set_dirty(existing.id, False)
            try:
                return _update(hw, ledger, client, existing, message())
            except DigestError:
                ledger.set_dirty(existing.id, True)  # not shown yet: try again later
                raise
        if existing is not None and claim_is_stale(existing, now):
            # A run died between claiming and posting: take the claim over.
            ledger.release(existing.id)
            return post_weekly(hw, ledger, workspace_id, channel, period, message, after_post,
                               team_id=team_id, what=what)
        raise DigestError(
            f"the {period} {what} for this channel is being posted by another run; "
            f"try again in a minute"
        )
    # Built after the claim: a change from here on finds the claimed row and marks it.
    try:
        built = message()
        resp = client.chat_postMessage(channel=channel, text=built.text, blocks=built.blocks)
    except SlackApiError as exc:
        ledger.release(claim.id)
        raise DigestError(_explain(exc)) from None
    except BaseException:
        # Nothing reached Slack: free the claim so the next tick tries again at once.
        ledger.release(claim.id)
        raise
    ts = resp["ts"]
    channel_id = resp.get("channel", channel)
    try:
        thread_ts = _post_thread(client, channel_id, ts, built)
    except SlackApiError as exc:
        # The main message is out: keep the claim (with its ts) so a rerun updates it.
        ledger.mark_posted(claim.id, ts, [], hw.now())
        raise DigestError(_explain(exc)) from None
    ledger.mark_posted(claim.id, ts, thread_ts, hw.now())
    added = after_post(client, channel_id, ts, resp) if after_post is not None else False
    return Posted("posted", channel_id, ts, period, len(thread_ts), added)


def token_scopes(resp: SlackResponse) -> frozenset[str] | None:
    """The bot token's scopes from Slack's `x-oauth-scopes` header; None if not sent."""
    for key, value in (resp.headers or {}).items():
        if key.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list) else value
            return frozenset(s.strip() for s in str(text).split(",") if s.strip())
    return None


def _upload_trend_chart(client: WebClient, channel: str, ts: str, digest: Digest,
                        scopes: frozenset[str] | None) -> bool:
    """The share trend over the quarter so far as a PNG in the digest's thread (the rest
    of the quarter as empty slots, the team's target as a dashed line), when the app may
    upload files.

    Only with the first post: a late-reply update changes the text bar, not the picture.
    Without `files:write` (an older install) the digest is text only, which is complete.
    """
    weeks = list(digest.quarter_weeks)
    if all(share is None for _, share in weeks):
        return False
    if scopes is not None and "files:write" not in scopes:
        return False
    alt = ", ".join(f"{p}: {'no data' if v is None else f'{round(v * 100)}%'}"
                    for p, v in weeks)
    target = ("" if digest.target is None else
              f"; the team's target, {round(digest.target * 100)}%, is the dashed line")
    try:
        client.files_upload_v2(
            channel=channel, thread_ts=ts,
            content=trend_png(weeks, target=digest.target, later=digest.quarter_later),
            filename=f"headway-progress-share-{digest.period}.png",
            title=f"Progress share, {digest.quarter} to {digest.period}",
            alt_txt=f"Progress share by week, {digest.quarter} so far: {alt}{target}",
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
    ledger: Digests,
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
    ledger.mark_posted(existing.id, ts, kept, hw.now())
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
