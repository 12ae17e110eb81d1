"""The classifier's hand-written lexicons: data, no logic.

Three tables a newcomer tunes by hand (how they match: `features.py`):

- `CUES`: (phrase, weight) for progress (positive) vs KTLO (negative);
- `NONE_CUES`: (phrase, weight) log-odds that a line says there was no work;
- `NONE_FILLER` / `WORK_MARKERS`: words around a no-work phrase that count for neither side,
  and words that say the line goes on to work done besides;

and two patterns, `ROOT_FIX` (a fix that removes the cause for good is progress) and
`REPEAT` (work that comes back is KTLO).
"""

from __future__ import annotations

import re

# (phrase, weight): positive = progress, negative = KTLO. `features.py` says how phrases
# match; a trailing space means "this last word exactly".
CUES: tuple[tuple[str, float], ...] = (
    # progress: building, improving, experimenting, learning, pursuing
    ("launch", 2.0), ("shipped", 1.6), ("ship ", 1.4), ("release", 0.6), ("built", 1.6),
    ("build ", 1.0), ("implement", 1.8), ("introduc", 1.8), ("new ", 1.4),
    ("first version", 1.8), ("first cut", 1.8), ("initial", 1.4), ("prototyp", 2.0),
    ("proof of concept", 2.0), ("spike", 1.4), ("experiment", 2.0), ("a/b", 2.0),
    ("pilot", 1.8), ("trial", 1.2), ("design", 1.0), ("redesign", 1.8), ("automat", 2.2),
    ("self-serve", 2.0), ("self-service", 2.0), ("improv", 1.6), ("speed up", 1.6),
    ("faster", 1.4), ("quicker", 1.4), ("reduc", 1.2), ("cut ", 1.0), ("eliminat", 1.6),
    ("for good", 2.5), ("root cause", 2.2), ("root-caus", 2.2), ("never again", 2.0),
    ("rfc", 1.4), ("proposal", 1.4), ("proposed", 1.4), ("propose", 1.4), ("strategy", 1.4),
    ("roadmap", 0.6), ("feature", 1.2), ("add ", 1.4), ("added", 1.4), ("adding", 1.4),
    ("adds ", 1.4), ("support for", 2.0), ("add support", 2.0), ("enable", 1.2),
    ("allow", 1.6), ("option", 1.2), ("configurable", 1.8), ("provide", 1.0),
    ("expose", 1.4), ("extend", 1.2), ("integrat", 1.2), ("refactor", 0.8),
    ("simplif", 1.4), ("mentor", 1.8), ("coach", 1.4), ("learn", 1.4), ("course", 1.4),
    ("certificat", 0.0), ("reading group", 1.6), ("workshop", 1.0), ("research", 1.4),
    ("discover", 1.2), ("interviewed", 0.8), ("customer interview", 1.8), ("opportunit", 1.6),
    ("partnership", 1.6), ("new market", 2.0), ("vertical", 1.4), ("expansion", 1.2),
    ("pricing", 1.0), ("forecast model", 1.6), ("model", 0.8), ("usability", 1.6),
    ("published", 1.2), ("negotiat", 1.0), ("won ", 1.2), ("first deal", 1.8),
    ("architecture", 1.2), ("okr", 1.0), ("initiative", 1.4), ("innovat", 1.8),
    ("created", 1.2), ("started", 0.8), ("kicked off", 1.2), ("playbook", 1.2),
    ("dashboard", 0.6), ("programme", 1.2), ("program ", 1.0), ("framework", 1.0),
    ("no more", 1.6), ("instead of", 1.2), ("without us", 1.6), ("so that", 0.6),
    ("on its own", 1.4), ("themselves", 1.2), ("one-click", 1.4), ("one click", 1.4),
    ("beta", 1.4), ("v1", 1.4), ("v2", 1.0), ("mvp", 1.6), ("roll out", 1.2),
    ("rolled out", 1.2), ("went live", 1.6), ("is live", 1.6), ("live for", 1.6),
    ("api for", 1.2), ("plugin", 0.8), ("async", 0.6), ("port ", 0.8), ("ported", 0.8),
    # KTLO: incidents, repeats, routine, support, compliance, meetings, admin, forced upgrades
    ("incident", -2.2), ("outage", -2.2), ("firefight", -2.4), ("on-call", -2.0),
    ("oncall", -2.0), ("on call", -2.0), ("pager", -2.0), ("paged", -2.0), ("pages", -1.0),
    ("p1", -2.0), ("p2", -1.6), ("sev1", -2.0), ("sev2", -2.0), ("sev ", -1.2),
    ("hotfix", -2.2), ("hot fix", -2.2), ("hotfixed", -2.2), ("patch", -1.6), ("again", -2.2),
    ("another", -1.0), ("as usual", -1.8), ("the usual", -1.6), ("same ", -0.8),
    ("restart", -2.0), ("reboot", -1.8), ("bounced", -1.6), ("rollback", -1.8),
    ("roll back", -1.8), ("rolled back", -1.8), ("revert", -2.0), ("fix ", -1.6),
    ("fixed", -1.6), ("fixes", -1.6), ("fixing", -1.6), ("fix:", -1.6), ("bugfix", -2.0),
    ("bug", -1.6), ("crash", -1.8), ("broken", -1.6), ("broke", -1.6), ("flaky", -1.2),
    ("hung", -1.6), ("stuck", -1.4), ("timeout", -1.0), ("backfill", -1.6), ("failed", -1.2),
    ("failing", -1.2), ("fails", -1.2), ("error", -1.4), ("exception", -1.6), ("npe", -2.0),
    ("null pointer", -2.0), ("leak", -1.6), ("deadlock", -1.8), ("race condition", -1.6),
    ("regression", -1.8), ("wrong", -1.6), ("incorrect", -1.6), ("correct ", -1.2),
    ("typo", -1.8), ("workaround", -1.8), ("work around", -1.8), ("issue", -1.2),
    ("problem", -0.8), ("prevent", -1.0), ("handle ", -0.8), ("resolve", -1.0),
    ("cve", -2.0), ("vulnerab", -1.6), ("security fix", -2.0), ("triag", -2.0),
    ("support queue", -2.2), ("queue", -0.8), ("ticket", -1.6), ("escalat", -1.8),
    ("support rotation", -2.2), ("support shift", -2.2), ("answered", -1.4),
    ("helpdesk", -2.0), ("password reset", -2.0), ("reset", -1.2), ("access request", -1.8),
    ("audit", -2.0), ("auditor", -2.0), ("compliance", -2.0), ("soc 2", -1.8), ("soc2", -1.8),
    ("sox", -1.8), ("gdpr", -1.2), ("access review", -1.8), ("questionnaire", -1.8),
    ("renew", -1.6), ("expir", -1.4), ("end of life", -1.8), ("end-of-life", -1.8),
    ("eol", -1.6), ("unsupported", -1.8), ("deprecat", -0.8), ("forced", -1.6),
    ("forces", -1.6), ("upgrad", -1.2), ("bump", -1.6), ("security update", -1.6),
    ("status meeting", -2.2), ("status update", -1.8), ("status call", -1.8),
    ("weekly sync", -1.8), ("sync ", -1.0), ("standup", -1.6), ("meeting", -1.2),
    ("vendor call", -1.4), ("1:1", -1.2), ("one-on-one", -1.2), ("admin ", -1.4),
    ("paperwork", -1.8), ("expense", -1.8), ("timesheet", -2.0), ("invoice", -1.0),
    ("payroll", -1.8), ("month-end", -1.6), ("month end", -1.6), ("the books", -1.6),
    ("report ", -0.6), ("routine", -2.0), ("maintenance", -1.6), ("cleanup", -1.0),
    ("clean up", -1.0), ("cleaned up", -1.0), ("backup", -1.0), ("monitor", -0.8),
    ("alert", -1.0), ("postmortem", -1.0), ("reconcil", -1.6), ("chasing", -1.6),
    ("chased", -1.6), ("recurring", -1.0), ("manual", -1.0), ("by hand", -1.2),
    ("keep the lights", -2.0), ("keeping the lights", -2.0), ("inbox", -1.2),
    ("scheduling", -1.0), ("approvals", -1.4), ("renewals", -1.6), ("filings", -1.6),
    ("filed the", -0.8), ("redlines", -1.4), ("ndas", -1.4), ("reviews", -0.8),
    ("review meeting", -1.6), ("covered", -1.2), ("covering", -1.2), ("backlog", -0.8),
    ("grooming", -1.6), ("reran", -1.6), ("re-ran", -1.6), ("rerun", -1.6),
    # every kind of team (issue 14): growth and new capability vs running what exists
    ("new logo", 2.0), ("quota", 1.2), ("upsell", 1.8), ("upsold", 1.8), ("cross-sold", 1.8),
    ("cross-sell", 1.8), ("expand", 1.6), ("go-live", 1.6), ("rewr", 1.2),
    ("new starter", -2.0), ("new hire", -1.6), ("new joiner", -2.0), ("usual", -1.2),
    ("payment run", -1.6), ("qbr", -1.4), ("rota ", -1.2), ("restock", -1.6),
    ("stock count", -1.6), ("stock take", -1.6), ("stocktake", -1.6), ("reschedul", -1.2),
)

# (phrase, weight): log-odds that the line says there was no work. Same matching rules as
# CUES. Absence, "nothing", and "same as before"; a phrase that names work ("parental leave
# policy", "covered for Jo who was off sick") is outvoted by the rest of the line.
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "all ", "most ", "the whole",
         "until", "till", "today", "this week", "half ")
NONE_CUES: tuple[tuple[str, float], ...] = (
    ("out sick", 3.0), ("off sick", 3.0), ("sick leave", 2.5), ("sick ", 2.0), ("sik ", 2.0),
    ("ill ", 1.5), ("flu ", 1.0), ("covid", 1.0), ("ooo", 3.0), ("out of office", 3.0),
    ("pto", 3.0), ("on leave", 3.0), ("on leav", 3.0), ("annual leave", 3.0),
    ("parental leave", 2.0),
    ("maternity leave", 2.5), ("paternity leave", 2.5), ("bereavement leave", 3.0),
    ("holiday", 2.0), ("vacation", 2.5), ("day off", 2.5), ("days off", 2.5),
    ("week off", 2.5), ("half term", 2.5), ("half-term", 2.5), ("jury ", 2.0),
    ("was off", 2.5), ("was out", 2.0), ("were off", 2.0), ("offline", 1.0),
    ("nothing", 2.5), ("nothin", 2.5), ("noting", 2.0), ("nothng", 2.5), ("nothign", 2.5),
    ("nuthin", 2.5), ("nada", 3.0), ("nil ", 3.0), ("none ", 3.0), ("n/a", 3.0),
    ("na ", 2.0), ("no update", 3.0), ("no updte", 3.0), ("not much", 2.5),
    ("quiet week", 2.0), ("don't have anything", 2.5), ("anything to report", 2.0),
    ("ditto", 3.5), ("dito ", 3.0), ("idem ", 3.0), ("same ", 1.0), ("same as", 2.0),
    ("see last", 3.0), ("see above", 3.0), ("see previous", 3.0), ("see my last", 3.0),
    ("as above", 3.0), ("as last week", 3.0), ("as last time", 3.0), ("no change", 2.0),
    ("pass ", 1.5), ("leave ", 1.5), ("family emergency", 2.5), ("funeral", 2.5),
    ("wedding", 2.0), ("personal reasons", 2.5), ("out for", 1.5), ("off for", 1.5),
    ("out at", 1.0),
    *((f"{verb} {day}", 2.5) for verb in ("out", "off", "away") for day in _DAYS),
)
# Words a line with no work uses around its phrase ("I was out most of the week, sorry"):
# they count for neither side.
NONE_FILLER: frozenset[str] = frozenset({
    "i", "i'm", "im", "me", "was", "am", "so", "sorry", "really", "honestly", "week", "weeks",
    "wek", "this", "last", "all", "most", "whole", "much", "mostly", "report", "reprot",
    "share", "shaer", "add", "say", "from", "back", "until", "till", "next", "since", "time",
    "today", "yesterday", "day", "days", "half", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur",
    "thurs", "fri", "sat", "sun", "worth", "anything", "don't", "dont", "have", "nothing",
    "happened", "little", "proper", "short", "update", "updates", "new", "here",
    "there", "side", "my", "of", "off", "out", "week's", "it", "not", "no", "as", "same",
    "above", "still", "but", "also", "be", "with", "on", "due", "because", "got",
    "catching", "breath", "quiet", "significant", "orders", "doctor's", "at", "home",
    "the", "a", "an", "and", "for", "to", "in", "is", "are", "that", "bit",
})
# Words that say the line goes on to the work done besides the absence.
WORK_MARKERS: frozenset[str] = frozenset({"rest", "then", "otherwise", "before", "after",
                                          "afterward", "while", "besides", "apart"})

# A fix that removes the cause for good is progress, whatever else it says.
ROOT_FIX = re.compile(
    r"\b(for good|root[- ]caus\w*|never (?:again|happens)|so (?:that )?(?:it|we|they|those) "
    r"(?:never|no longer|stop)|can(?:'t|not) happen|permanently|once and for all|"
    r"won't come back|stop coming)\b"
)
REPEAT = re.compile(
    r"\b(again|another|as usual|(?:second|third|fourth|fifth) time|same as last|"
    r"every (?:week|day|month)|recurring|yet another)\b"
)
