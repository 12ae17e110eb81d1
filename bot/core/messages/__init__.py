"""What Headway says in Slack, as pure functions over plain data: Block Kit dicts and
mrkdwn text, user text always escaped. One module per surface:

- `ids`: the action, callback and metadata ids Slack sends back (stable across releases);
- `blocks`: the Block Kit pieces the others build with;
- `nudge`: the nudge DM and the answer modal; `effort`: the effort question the work
  question carries; `edit`: editing an answer from App Home or `history`;
  `confirmation`: the DM that says what was stored and how it was labelled; `home`: App
  Home and the member's schedule line;
- `member_replies`, `admin_replies`, `forget`: the answers to `/headway` commands.

The names below are the nudge, confirmation and Home surfaces, as the rest of Headway has
always used them (`messages.ANSWER`, `messages.confirmation_blocks(…)`).
"""

from bot.core.messages.blocks import Block
from bot.core.messages.confirmation import (
    LABEL_EMOJI,
    LABEL_NAMES,
    MAX_ITEMS_SHOWN,
    confirmation_blocks,
    item_blocks,
    label_buttons,
    removed_confirmation_blocks,
)
from bot.core.messages.home import home_view, schedule_line, share_bar
from bot.core.messages.ids import (
    ANSWER,
    ANSWER_BLOCK,
    ANSWER_INPUT,
    ANSWER_LABEL,
    ANSWER_VIEW,
    EDIT_ANSWER,
    EDIT_VIEW,
    EFFORT_ACTIONS,
    FLIP,
    FORGET_CANCEL,
    FORGET_CONFIRM,
    NUDGE_EVENT,
    SKIP,
    SNOOZE,
)
from bot.core.messages.nudge import NudgeMessage, answer_modal, nudge_closed_blocks, nudge_message

__all__ = [
    "ANSWER",
    "ANSWER_BLOCK",
    "ANSWER_INPUT",
    "ANSWER_LABEL",
    "ANSWER_VIEW",
    "EDIT_ANSWER",
    "EDIT_VIEW",
    "EFFORT_ACTIONS",
    "FLIP",
    "FORGET_CANCEL",
    "FORGET_CONFIRM",
    "LABEL_EMOJI",
    "LABEL_NAMES",
    "MAX_ITEMS_SHOWN",
    "NUDGE_EVENT",
    "SKIP",
    "SNOOZE",
    "Block",
    "NudgeMessage",
    "answer_modal",
    "confirmation_blocks",
    "home_view",
    "item_blocks",
    "label_buttons",
    "nudge_closed_blocks",
    "nudge_message",
    "removed_confirmation_blocks",
    "schedule_line",
    "share_bar",
]
