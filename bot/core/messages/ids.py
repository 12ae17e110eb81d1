"""The ids Slack sends back to Headway: action ids of buttons, the answer modal's callback
and input ids, the nudge's metadata event type.

The listeners register these names, and messages already in people's DMs carry them: keep
them stable across releases so the buttons on old messages keep working.
"""

from __future__ import annotations

ANSWER = "nudge_answer"
SKIP = "nudge_skip"
SNOOZE = "nudge_snooze"
# A label fix: "label_flip_<label>" sets <label> (value "<item id>:<label>"); plain
# "label_flip" is the one button of confirmations sent before `none` existed. An unsure
# item's question: "label_answer_<label>", same value. Listeners match both by prefix.
FLIP = "label_flip"
ANSWER_LABEL = "label_answer"
FORGET_CONFIRM = "forget_confirm"
FORGET_CANCEL = "forget_cancel"
ANSWER_VIEW = "answer_modal"
ANSWER_BLOCK = "answer"
ANSWER_INPUT = "answer_text"
NUDGE_EVENT = "headway_nudge"
# The gentle reminder before the digest (`bot.reminders`): its metadata names its ledger
# row, so a restart can find a reminder that reached Slack before it was marked sent.
REMINDER_EVENT = "headway_reminder"
# Tracked problems. "problem_status_<status>" moves a problem to <status> (value
# "<problem id>:<status>"); listeners match the prefix, as for FLIP. Each problem's buttons
# sit in an actions block with block id "problem_<problem id>"; the owner select
# (PROBLEM_OWNER) is read from there, as a select carries no value of its own. UNTRACK's
# value is the problem id; TRACK is the digest's "Track it" button.
PROBLEM_TRACK = "problem_track"
PROBLEM_UNTRACK = "problem_untrack"
PROBLEM_STATUS = "problem_status"
PROBLEM_OWNER = "problem_owner"
PROBLEM_BLOCK = "problem_"
# "Did we move on it?" about a tracked problem, asked in its own DM just before the agenda
# question: one button per answer, "problem_follow_up_<answer>" (value "<nudge id>:<problem
# id>", the nudge it came with). The keys are `bot.core.problems.ANSWERS`.
PROBLEM_FOLLOW_UP = "problem_follow_up"
FOLLOW_UP_ACTIONS: dict[str, str] = {
    "yes": "problem_follow_up_yes",
    "partly": "problem_follow_up_partly",
    "no": "problem_follow_up_no",
}
# "Edit" beside an answer in App Home and `/headway history` (value: the reply id), and
# the edit form it opens (the text input reuses ANSWER_BLOCK / ANSWER_INPUT).
EDIT_ANSWER = "reply_edit"
EDIT_VIEW = "edit_modal"
# The effort question under the weekly work question: one button per answer, each
# "effort_<answer>" (value: the nudge id). The keys are `bot.core.effort.EFFORT_CHOICES`.
EFFORT_ACTIONS: dict[str, str] = {
    "none": "effort_none",
    "quarter": "effort_quarter",
    "half": "effort_half",
    "three_quarters": "effort_three_quarters",
    "nearly_all": "effort_nearly_all",
}
