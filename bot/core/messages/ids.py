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
