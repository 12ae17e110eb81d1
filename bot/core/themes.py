"""Which kind of keeping-the-lights-on work an item is: the digest's KTLO themes.

A team lead reads the KTLO half of the digest to see what ate the week, so the themes answer
"what kind of work was it?", not "which word came first?". Six themes (`THEMES`), named for
a lead in any kind of team:

- **Firefighting & fixes** — something broke or went wrong and was put right: outages,
  on-call, failed jobs rerun, bugs and wrong numbers corrected, equipment that died.
- **Support & requests** — someone asked and we answered: tickets, queues, access and
  password requests, questions, refunds, ad-hoc pulls.
- **Meetings & reporting** — meetings, calls, syncs, 1:1s, and the routine reports and decks
  that keep others informed.
- **Admin & compliance** — paperwork and obligations: expenses, invoices, payroll, the
  month-end close, contracts, audits and their evidence, access reviews, policies, filings.
- **Maintenance & upgrades** — planned upkeep of what we own: upgrades, patches, renewals,
  deprecations, clean-ups, backups, restocking, servicing equipment, refreshing docs.
- **Other routine work** — routine work none of those names: covering shifts, interviews,
  travel, duties.

Two sources of evidence, added per theme, as for progress/KTLO labels (`classify.py`):

1. **Cue phrases** (`CUES`) with weights, matched on words: a phrase's words match exactly,
   except that a trailing `*` makes its last word a prefix (`upgrad*` covers upgrade,
   upgraded, upgrading). A longer phrase takes its words away from shorter ones, so "access
   review" counts for admin and its "review" does not also count for meetings; a phrase
   with weight 0 only takes words away ("report card" is not a report). Words after
   "before" or "ahead of" in the same clause are the deadline, not the work ("…before the
   board meeting"), and count for a third.
2. **Naive Bayes** over word stems, fitted at first use on the labelled dev split
   (`corpus/themes_dev.tsv`, ~1 ms), so words the cue list lacks still count a little.

The theme with the highest score wins; below `MIN_SCORE` the item is "Other routine work".
Pure and offline: reads its packaged corpus once; no network, no clock.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from bot.core.text import STOP_WORDS, readable

THEMES: tuple[tuple[str, str], ...] = (
    ("fixes", "Firefighting & fixes"),
    ("support", "Support & requests"),
    ("meetings", "Meetings & reporting"),
    ("admin", "Admin & compliance"),
    ("upkeep", "Maintenance & upgrades"),
    ("other", "Other routine work"),
)
THEME_IDS: tuple[str, ...] = tuple(t for t, _ in THEMES)
THEME_NAMES: dict[str, str] = dict(THEMES)
OTHER_THEME = THEME_NAMES["other"]

# Tuned on themes_dev.tsv only (5-fold cross-validation for the fitted part); never on
# themes_heldout.tsv.
NB_SCALE = 0.35  # how much the fitted model counts against the cue phrases
MIN_SCORE = 1.0  # a theme needs at least this much evidence over "other"
CONTEXT_WEIGHT = 1 / 3  # words naming a deadline ("before the audit") count this much
SMOOTHING = 0.5

# (phrase, theme, weight). See the module docstring for how phrases match.
CUES: tuple[tuple[str, str, float], ...] = (
    # ── firefighting & fixes ──
    ("incident*", "fixes", 3.0), ("outage*", "fixes", 3.0), ("firefight*", "fixes", 3.0),
    ("on-call", "fixes", 2.5), ("oncall", "fixes", 2.5), ("on call", "fixes", 2.5),
    ("paged", "fixes", 2.5), ("pages", "fixes", 1.0), ("pager*", "fixes", 2.5),
    ("p1", "fixes", 3.0), ("p2", "fixes", 2.5), ("p1s", "fixes", 3.0), ("sev*", "fixes", 2.5),
    ("severity", "fixes", 2.5), ("hotfix*", "fixes", 3.0), ("hot fix*", "fixes", 3.0),
    ("rollback*", "fixes", 2.5), ("roll back", "fixes", 2.5), ("rolled back", "fixes", 2.5),
    ("revert*", "fixes", 2.5), ("restart*", "fixes", 2.0), ("reboot*", "fixes", 2.0),
    ("crash*", "fixes", 2.5), ("went down", "fixes", 3.0), ("down", "fixes", 2.5),
    ("broke", "fixes", 2.5), ("broken", "fixes", 2.5), ("failed", "fixes", 2.0),
    ("failing", "fixes", 2.0), ("failure*", "fixes", 2.0), ("fails", "fixes", 2.0),
    ("stopped", "fixes", 2.0), ("stopped working", "fixes", 3.0), ("bug*", "fixes", 2.0),
    ("bugfix*", "fixes", 3.0), ("fix", "fixes", 1.5), ("fixed", "fixes", 1.5),
    ("fixes", "fixes", 1.5), ("fixing", "fixes", 1.5), ("error*", "fixes", 2.0),
    ("regression*", "fixes", 2.5), ("leak*", "fixes", 2.5), ("deadlock*", "fixes", 2.5),
    ("race condition*", "fixes", 2.5), ("timeout*", "fixes", 2.0), ("stuck", "fixes", 2.0),
    ("hung", "fixes", 2.0), ("hang*", "fixes", 1.5), ("rerun", "fixes", 2.5),
    ("reran", "fixes", 2.5), ("re-ran", "fixes", 2.5), ("rerunning", "fixes", 2.5),
    ("re-import*", "fixes", 2.0), ("reimport*", "fixes", 2.0), ("reload*", "fixes", 1.5),
    ("recover*", "fixes", 2.5), ("wrong", "fixes", 2.0), ("incorrect", "fixes", 2.0),
    ("correct*", "fixes", 2.0), ("by mistake", "fixes", 2.0), ("duplicate", "fixes", 1.0),
    ("jam*", "fixes", 2.5), ("died", "fixes", 2.5), ("dead", "fixes", 2.0),
    ("ran out of", "fixes", 2.5), ("emergency", "fixes", 2.5), ("alarm*", "fixes", 1.5),
    ("flaky", "fixes", 2.0), ("postmortem*", "fixes", 3.0), ("post-mortem*", "fixes", 3.0),
    ("incident review", "fixes", 3.0), ("status page", "fixes", 2.5),
    ("phishing", "fixes", 3.0), ("breach*", "fixes", 3.0), ("not arriving", "fixes", 2.0),
    ("could not", "fixes", 1.0), ("couldn't", "fixes", 1.0), ("wouldn't", "fixes", 1.5),
    ("lost", "fixes", 1.5), ("suspended", "fixes", 1.5), ("silently", "fixes", 1.5),
    ("replay*", "fixes", 2.0), ("slowdown", "fixes", 2.0), ("drained", "fixes", 1.5),
    ("diverted", "fixes", 1.5), ("reinstat*", "fixes", 2.0), ("reprint*", "fixes", 2.0),
    ("resent", "fixes", 1.5), ("reissu*", "fixes", 2.0), ("backfill*", "fixes", 2.5),
    ("re-enter*", "fixes", 1.5), ("re-key*", "fixes", 1.5), ("reversing", "fixes", 2.0),
    ("reversed", "fixes", 2.0), ("500", "fixes", 2.0), ("502", "fixes", 2.0),
    ("502s", "fixes", 2.0), ("503", "fixes", 2.0), ("404", "fixes", 2.0),
    ("again", "fixes", 0.5), ("patched it", "fixes", 2.0), ("red", "fixes", 1.0),
    ("spare", "fixes", 1.5), ("erroring", "fixes", 2.5), ("blocking", "fixes", 1.0),
    ("disk full", "fixes", 2.5), ("disk filled", "fixes", 2.5), ("undo*", "fixes", 2.0),
    ("null pointer", "fixes", 3.0), ("exception*", "fixes", 2.5), ("log in", "fixes", 1.0),
    ("offline", "fixes", 2.5), ("back online", "fixes", 3.0), ("unavailable", "fixes", 2.0),
    ("unreachable", "fixes", 2.5), ("glitch*", "fixes", 2.5), ("malfunction*", "fixes", 2.5),
    ("faulty", "fixes", 2.5), ("fault", "fixes", 2.0), ("burst", "fixes", 2.0),
    ("flood*", "fixes", 1.5), ("leaking", "fixes", 2.5), ("power cut", "fixes", 3.0),
    ("tripped", "fixes", 2.0), ("throwing", "fixes", 2.0), ("rejected", "fixes", 1.5),
    ("mitigat*", "fixes", 2.5), ("contained", "fixes", 2.0), ("compromis*", "fixes", 3.0),
    ("malware", "fixes", 3.0), ("ransomware", "fixes", 3.0), ("virus", "fixes", 2.0),
    ("spike*", "fixes", 2.0), ("spiked", "fixes", 2.0), ("corrupt*", "fixes", 2.5),
    ("misconfigur*", "fixes", 2.5), ("overload*", "fixes", 2.0), ("oom*", "fixes", 2.5),
    ("runaway", "fixes", 2.0), ("killed", "fixes", 1.5), ("workaround*", "fixes", 2.0),
    ("degraded", "fixes", 2.5), ("latency", "fixes", 1.5), ("slow", "fixes", 1.0),
    ("issue", "fixes", 1.0), ("issues", "fixes", 1.0), ("problem*", "fixes", 1.0),
    ("investigat*", "fixes", 1.5), ("troubleshoot*", "fixes", 2.5), ("debug*", "fixes", 2.5),
    ("diagnos*", "fixes", 2.0), ("root cause*", "fixes", 2.0), ("resubmit*", "fixes", 1.5),
    ("redo*", "fixes", 1.5), ("redid", "fixes", 1.5), ("re-did", "fixes", 1.5),
    ("on paper", "fixes", 1.5), ("garbage", "fixes", 1.5), ("misfir*", "fixes", 2.0),
    # ── support & requests ──
    ("support", "support", 1.5), ("support rotation", "support", 3.0),
    ("support shift", "support", 3.0), ("support queue", "support", 3.0),
    ("support channel", "support", 3.0), ("ticket*", "support", 2.5),
    ("queue", "support", 2.0), ("zendesk", "support", 3.0), ("intercom", "support", 3.0),
    ("live chat", "support", 3.0), ("chat", "support", 2.0), ("chats", "support", 2.5),
    ("helpdesk", "support", 3.0), ("help desk", "support", 3.0),
    ("service desk", "support", 3.0), ("front desk", "support", 2.0),
    ("customer service", "support", 3.0), ("inbox", "support", 2.5),
    ("escalat*", "support", 3.0), ("password*", "support", 2.5), ("lockout*", "support", 2.5),
    ("access request*", "support", 3.0), ("request*", "support", 2.5),
    ("asked", "support", 1.5), ("asking", "support", 1.5), ("needed", "support", 1.0),
    ("question*", "support", 2.5), ("quer*", "support", 2.5), ("answer*", "support", 2.5),
    ("replied", "support", 2.0), ("reply", "support", 2.0), ("callback*", "support", 2.5),
    ("phone", "support", 2.0), ("phones", "support", 2.0), ("phone cover", "support", 3.0),
    ("customer", "support", 0.8), ("customers", "support", 0.8), ("refund*", "support", 2.5),
    ("returns and exchanges", "support", 3.0), ("exchanges", "support", 2.0),
    ("complaint*", "support", 2.5), ("help", "support", 1.5), ("helped", "support", 1.5),
    ("helping", "support", 1.5), ("set up", "support", 1.5), ("setup*", "support", 1.5),
    ("new starter*", "support", 1.5), ("new hire*", "support", 1.5),
    ("new joiner*", "support", 1.5), ("ad-hoc", "support", 2.5), ("ad hoc", "support", 2.5),
    ("one-off", "support", 2.0), ("on request", "support", 2.5), ("pulls", "support", 2.0),
    ("quote*", "support", 2.0), ("unblock*", "support", 2.0), ("reproduce*", "support", 2.0),
    ("verification", "support", 2.0), ("registrations", "support", 1.5),
    ("lost property", "support", 3.0), ("late slips", "support", 2.5),
    ("click collect", "support", 3.0), ("special orders", "support", 2.5),
    ("price checks", "support", 2.5), ("swag", "support", 2.0), ("guest access", "support", 2.5),
    ("shared mailbox*", "support", 2.5), ("desks", "support", 2.0), ("walked", "support", 1.5),
    ("where-is-my-order", "support", 3.0), ("emails", "support", 1.5),
    ("triag*", "support", 3.0), ("backlog", "support", 1.0), ("calls about", "support", 2.5),
    ("patient*", "support", 1.0), ("parent", "support", 1.0), ("parents", "support", 1.0),
    ("enquir*", "support", 2.5), ("inquir*", "support", 2.5), ("inbound", "support", 2.0),
    ("walk-in*", "support", 2.0), ("visitors", "support", 1.5), ("guests", "support", 1.5),
    ("callers", "support", 2.0), ("contact centre", "support", 3.0), ("provision*", "support", 2.0),
    ("raised by", "support", 1.5), ("on behalf of", "support", 1.5), ("fielded", "support", 2.5),
    ("how-to", "support", 2.0), ("phon*", "support", 2.0), ("key fob*", "support", 2.0),
    ("key card*", "support", 2.0), ("permissions", "support", 2.0), ("access", "support", 1.0),
    ("help centre", "upkeep", 1.0), ("help center", "upkeep", 1.0),
    # ── meetings & reporting ──
    ("meeting*", "meetings", 3.0), ("standup*", "meetings", 3.0),
    ("stand-up*", "meetings", 3.0), ("sync", "meetings", 2.5), ("syncs", "meetings", 2.5),
    ("1:1", "meetings", 3.0), ("1:1s", "meetings", 3.0), ("one-on-one*", "meetings", 3.0),
    ("retro*", "meetings", 3.0), ("sprint review", "meetings", 3.0),
    ("review", "meetings", 1.5), ("report", "meetings", 2.0), ("reports", "meetings", 2.0),
    ("report card*", "meetings", 0.0), ("deck", "meetings", 2.5), ("slides", "meetings", 2.5),
    ("board pack", "meetings", 3.0), ("accounts pack", "meetings", 3.0),
    ("pack", "meetings", 1.5), ("status update*", "meetings", 3.0),
    ("update email", "meetings", 3.0), ("people update", "meetings", 3.0),
    ("status", "meetings", 2.0), ("readout", "meetings", 3.0), ("presented", "meetings", 2.5),
    ("minutes", "meetings", 2.5), ("figures", "meetings", 2.0), ("metrics", "meetings", 2.0),
    ("kpi*", "meetings", 2.5), ("forecast", "meetings", 1.5), ("call", "meetings", 2.0),
    ("calls", "meetings", 2.0), ("huddle*", "meetings", 3.0), ("briefing*", "meetings", 3.0),
    ("all-hands", "meetings", 3.0), ("kickoff", "meetings", 2.0),
    ("kick-off", "meetings", 2.0), ("planning", "meetings", 2.5), ("qbr*", "meetings", 3.0),
    ("steering", "meetings", 3.0), ("committee", "meetings", 2.5), ("board", "meetings", 1.5),
    ("walk-through", "meetings", 2.5), ("walkthrough", "meetings", 2.5),
    ("visit", "meetings", 1.0), ("session*", "meetings", 2.0),
    ("office hours", "meetings", 2.5), ("calibration", "meetings", 2.5),
    ("governance", "meetings", 2.0), ("mdt", "meetings", 3.0), ("slt", "meetings", 3.0),
    ("parents' evening", "meetings", 3.0), ("roadmap", "meetings", 1.5),
    ("stakeholder*", "meetings", 2.0), ("leadership", "meetings", 1.5),
    ("exec", "meetings", 1.5), ("handover*", "meetings", 2.5), ("offsite", "meetings", 2.0),
    ("debrief*", "meetings", 2.5),
    ("crit", "meetings", 2.0), ("crits", "meetings", 2.0), ("journal club", "meetings", 3.0),
    ("town hall*", "meetings", 3.0), ("townhall*", "meetings", 3.0), ("catch-up*", "meetings", 3.0),
    ("catch up", "meetings", 2.5), ("presentation*", "meetings", 2.5), ("agenda*", "meetings", 2.5),
    ("papers", "meetings", 1.5), ("progress report*", "meetings", 3.0), ("zoom*", "meetings", 2.0),
    ("webinar*", "meetings", 1.5), ("workshop*", "meetings", 1.5), ("notes", "meetings", 1.0),
    ("reviews", "meetings", 1.5), ("conference call*", "meetings", 3.0),
    # ── admin & compliance ──
    ("audit*", "admin", 3.0), ("soc 2", "admin", 3.0), ("soc2", "admin", 3.0),
    ("iso 27001", "admin", 3.0), ("compliance", "admin", 3.0), ("gdpr", "admin", 3.0),
    ("subject access", "admin", 3.0), ("access review*", "admin", 3.5),
    ("recertification", "admin", 3.0), ("attestation*", "admin", 3.0),
    ("polic*", "admin", 2.0), ("risk register", "admin", 3.0),
    ("risk assessment*", "admin", 3.0), ("questionnaire*", "admin", 3.0),
    ("evidence", "admin", 2.5), ("expense*", "admin", 3.0), ("expense report*", "admin", 3.5),
    ("receipt*", "admin", 2.5), ("timesheet*", "admin", 3.0), ("payroll", "admin", 3.0),
    ("paperwork", "admin", 3.0), ("form", "admin", 1.5), ("forms", "admin", 1.5),
    ("month-end", "admin", 3.0), ("month end", "admin", 3.0), ("close", "admin", 1.0),
    ("reconcil*", "admin", 3.0), ("accruals", "admin", 3.0), ("journal*", "admin", 2.0),
    ("vat", "admin", 3.0), ("tax", "admin", 2.0), ("filing*", "admin", 3.0),
    ("filed", "admin", 2.0), ("returns", "admin", 1.5), ("nda", "admin", 3.0),
    ("ndas", "admin", 3.0), ("redline*", "admin", 3.0), ("contract*", "admin", 2.5),
    ("dpa*", "admin", 3.0), ("conflict check*", "admin", 3.0), ("board minutes", "admin", 3.0),
    ("trademark*", "admin", 3.0), ("right-to-work", "admin", 3.0), ("visa*", "admin", 2.0),
    ("leavers", "admin", 2.5), ("records", "admin", 2.0), ("register", "admin", 2.0),
    ("rota", "admin", 3.0), ("rotas", "admin", 3.0), ("approv*", "admin", 2.0),
    ("purchase order*", "admin", 3.0), ("budget*", "admin", 1.5), ("consent", "admin", 2.5),
    ("claims", "admin", 2.5), ("insurance", "admin", 2.0), ("referral*", "admin", 2.5),
    ("attendance", "admin", 2.5), ("exam entries", "admin", 3.0),
    ("free school meals", "admin", 3.0), ("safeguarding", "admin", 2.5),
    ("mandatory training", "admin", 3.0), ("awareness training", "admin", 3.0),
    ("training", "admin", 1.0), ("cash-up", "admin", 3.0), ("cash up", "admin", 3.0),
    ("banking", "admin", 2.5), ("waste log", "admin", 3.0), ("logged", "admin", 1.5),
    ("checks", "admin", 1.5), ("overtime", "admin", 2.5), ("discrepanc*", "admin", 2.0),
    ("commission*", "admin", 2.5), ("statement*", "admin", 2.0), ("crm", "admin", 2.0),
    ("salesforce", "admin", 2.0), ("signature*", "admin", 2.0), ("order form*", "admin", 2.5),
    ("change request*", "admin", 2.5), ("filled in", "admin", 2.5), ("privacy", "admin", 2.5),
    ("impact assessment", "admin", 3.0), ("inspection", "admin", 2.5),
    ("health and safety", "admin", 3.0), ("tachograph*", "admin", 3.0),
    ("customs", "admin", 3.0), ("intercompany", "admin", 3.0), ("recharge*", "admin", 2.5),
    ("retention", "admin", 2.0), ("grades", "admin", 2.0), ("entered", "admin", 1.5),
    ("typed", "admin", 1.0), ("chase*", "admin", 1.0), ("chasing", "admin", 1.0),
    ("billing", "admin", 0.5), ("legal", "admin", 1.5), ("auditor*", "admin", 3.0),
    ("declaration*", "admin", 2.5), ("annual return*", "admin", 3.0), ("return", "admin", 1.5),
    ("grant", "admin", 1.0), ("funder*", "admin", 2.0), ("assess*", "admin", 1.5),
    ("registers", "admin", 2.0), ("log", "admin", 1.0), ("logs", "admin", 1.0),
    ("collat*", "admin", 2.0), ("po", "admin", 2.5), ("invoic*", "admin", 2.5),
    ("year-end", "admin", 2.5), ("year end", "admin", 2.5), ("redact*", "admin", 2.5),
    ("foi", "admin", 3.0), ("freedom of information", "admin", 3.0), ("regulat*", "admin", 2.5),
    ("due diligence", "admin", 3.0), ("kyc", "admin", 3.0), ("aml", "admin", 3.0),
    ("sanctions", "admin", 2.0), ("accreditation*", "admin", 3.0), ("cqc", "admin", 3.0),
    ("ofsted", "admin", 3.0), ("hipaa", "admin", 3.0), ("pci", "admin", 3.0), ("sox", "admin", 3.0),
    ("crm notes", "admin", 3.0),
    # ── maintenance & upgrades ──
    ("upgrad*", "upkeep", 3.0), ("updat*", "upkeep", 1.0), ("patch*", "upkeep", 2.0),
    ("security patch*", "upkeep", 3.0), ("security update*", "upkeep", 3.0),
    ("renew*", "upkeep", 2.5), ("cert", "upkeep", 2.5), ("certs", "upkeep", 2.5),
    ("certificate*", "upkeep", 2.5), ("licen*", "upkeep", 2.0), ("domain*", "upkeep", 1.5),
    ("deprecat*", "upkeep", 3.0), ("eol", "upkeep", 3.0), ("end of life", "upkeep", 3.0),
    ("end-of-life", "upkeep", 3.0), ("legacy", "upkeep", 2.0), ("retir*", "upkeep", 2.5),
    ("decommission*", "upkeep", 3.0), ("migrat*", "upkeep", 2.0), ("cleanup*", "upkeep", 2.5),
    ("clean up", "upkeep", 2.5), ("cleaned up", "upkeep", 2.5), ("cleared out", "upkeep", 2.5),
    ("tidied", "upkeep", 2.5),
    ("tidy", "upkeep", 2.5), ("deleted", "upkeep", 1.5), ("dropped", "upkeep", 1.5),
    ("prune*", "upkeep", 2.5), ("pruning", "upkeep", 2.5), ("archiv*", "upkeep", 2.0),
    ("unused", "upkeep", 2.5), ("stale", "upkeep", 2.5), ("old", "upkeep", 1.0),
    ("rotated", "upkeep", 2.5), ("rotation", "upkeep", 2.5), ("rotate", "upkeep", 2.5),
    ("lifecycle", "upkeep", 2.0), ("backup*", "upkeep", 2.5), ("restor*", "upkeep", 1.5),
    ("dependabot", "upkeep", 3.0), ("dependenc*", "upkeep", 2.5), ("bump*", "upkeep", 2.5),
    ("firmware", "upkeep", 3.0), ("replac*", "upkeep", 2.0), ("serviced", "upkeep", 2.5),
    ("service visit", "upkeep", 3.0),
    ("restock*", "upkeep", 3.0), ("stock count*", "upkeep", 3.0), ("stocktake", "upkeep", 3.0),
    ("inventory", "upkeep", 2.0), ("expir*", "upkeep", 1.5), ("calibrated", "upkeep", 2.5),
    ("reimag*", "upkeep", 3.0), ("mot", "upkeep", 2.5), ("mots", "upkeep", 2.5),
    ("extinguisher*", "upkeep", 2.5), ("batter*", "upkeep", 1.5), ("repairs", "upkeep", 1.5),
    ("runbook*", "upkeep", 2.5), ("documented", "upkeep", 1.5), ("docs", "upkeep", 2.0),
    ("wiki", "upkeep", 2.0), ("template*", "upkeep", 2.5), ("handbook", "upkeep", 2.5),
    ("dictionary", "upkeep", 2.0), ("articles", "upkeep", 1.5),
    ("canned responses", "upkeep", 2.5), ("macro*", "upkeep", 2.0),
    ("feature flag*", "upkeep", 2.0), ("credentials", "upkeep", 2.0), ("keys", "upkeep", 1.5),
    ("price labels", "upkeep", 2.0), ("labels", "upkeep", 1.5), ("display", "upkeep", 1.5),
    ("stockroom", "upkeep", 2.0), ("deep clean", "upkeep", 3.0), ("website", "upkeep", 1.0),
    ("logos", "upkeep", 1.5),
    ("repaint*", "upkeep", 2.5), ("paint*", "upkeep", 1.5), ("filter*", "upkeep", 1.5),
    ("servicing", "upkeep", 2.5), ("weed*", "upkeep", 2.0), ("housekeeping", "upkeep", 2.5),
    ("guides", "upkeep", 1.5), ("refresh*", "upkeep", 2.0), ("moved off", "upkeep", 2.5),
    ("goes away", "upkeep", 2.0), ("going away", "upkeep", 2.0), ("sunset*", "upkeep", 2.5),
    ("shutdown", "upkeep", 2.0), ("end of support", "upkeep", 3.0), ("version", "upkeep", 1.5),
    ("mainten*", "upkeep", 3.0), ("maintain*", "upkeep", 2.5), ("vacuum*", "upkeep", 2.0),
    ("reindex*", "upkeep", 2.0), ("clean*", "upkeep", 2.5), ("declutter*", "upkeep", 2.5),
    # ── other routine work ──
    ("interview*", "other", 3.0), ("candidate*", "other", 2.5), ("hiring", "other", 2.0),
    ("phone screen*", "other", 3.0), ("interview panel*", "other", 3.0),
    ("covered", "other", 2.0), ("cover", "other", 2.0), ("covering", "other", 2.0),
    ("shift", "other", 2.0), ("duty", "other", 2.5), ("duties", "other", 2.5),
    ("invigilat*", "other", 3.0), ("trip", "other", 1.5), ("travel*", "other", 2.5),
    ("drove", "other", 2.0), ("packed", "other", 2.0), ("pick and pack", "other", 3.0),
    ("unload*", "other", 2.5), ("opening and closing", "other", 2.5),
    ("shadowing", "other", 2.5), ("trained", "other", 2.0), ("team lunch", "other", 2.5),
    ("office move", "other", 2.5), ("stand", "other", 2.0), ("booth", "other", 2.5),
    ("trade show", "other", 2.0), ("expo", "other", 2.0), ("conference", "other", 1.5),
    ("short", "other", 1.5), ("tills", "other", 1.5), ("code review*", "other", 2.5),
    ("pull request*", "other", 2.5), ("colleague", "other", 1.5), ("on leave", "other", 1.5),
    ("sick", "other", 1.5), ("sorted the post", "other", 2.5), ("peak", "other", 1.0),
    ("volunteer*", "other", 2.0), ("open day", "other", 2.5), ("open evening", "other", 2.5),
)

_CLAUSE = re.compile(r"[.;,!?()]+(?:\s|$)|\s[-–—]\s|\n")
_TOKEN = re.compile(r"[a-z0-9]+(?:['’:/-][a-z0-9]+)*")
_CONTEXT_START = ("before", "ahead of")


@dataclass(frozen=True)
class _Cue:
    words: tuple[str, ...]
    prefix: bool  # the last word matches as a prefix
    theme: str
    weight: float
    key: int  # its place in CUES: fires at most once per item


@lru_cache(maxsize=1)
def _cue_index() -> tuple[dict[str, list[_Cue]], dict[str, list[_Cue]], dict[str, list[_Cue]]]:
    """(single whole words, single prefixes, multi-word by first word, longest first)."""
    whole: dict[str, list[_Cue]] = {}
    prefix: dict[str, list[_Cue]] = {}
    multi: dict[str, list[_Cue]] = {}
    for key, (phrase, theme, weight) in enumerate(CUES):
        if theme not in THEME_NAMES:
            raise ValueError(f"cue {phrase!r}: unknown theme {theme!r}")
        is_prefix = phrase.endswith("*")
        words = tuple(_TOKEN.findall(phrase.rstrip("*").lower()))
        cue = _Cue(words, is_prefix, theme, weight, key)
        if len(words) > 1:
            multi.setdefault(words[0], []).append(cue)
        elif is_prefix:
            prefix.setdefault(words[0], []).append(cue)
        else:
            whole.setdefault(words[0], []).append(cue)
    for cues in multi.values():
        cues.sort(key=lambda c: -len(c.words))
    return whole, prefix, multi


def _tokens(text: str) -> tuple[list[str], list[float]]:
    """Lowered words, and how much each counts (a deadline clause counts less)."""
    lowered = text.lower().replace("’", "'")
    if "before" not in lowered and "ahead" not in lowered:
        found = _TOKEN.findall(lowered)
        return found, [1.0] * len(found)
    words: list[str] = []
    weights: list[float] = []
    for clause in _CLAUSE.split(lowered):
        toks = _TOKEN.findall(clause)
        factor = 1.0
        for i, tok in enumerate(toks):
            if tok == "before" or (tok == "ahead" and toks[i + 1:i + 2] == ["of"]):
                factor = CONTEXT_WEIGHT
            words.append(tok)
            weights.append(factor)
    return words, weights


def _cue_scores(words: list[str], weights: list[float]) -> dict[str, float]:
    multi = _cue_index()[2]
    scores: dict[str, float] = {}
    fired: set[int] = set()
    covered = [False] * len(words)
    n = len(words)
    for i, word in enumerate(words):  # longer phrases first: they take their words
        for cue in multi.get(word, ()):
            m = len(cue.words)
            if i + m > n or cue.key in fired or any(covered[i:i + m]):
                continue
            if all(words[i + j] == cue.words[j] for j in range(1, m - 1)):
                last, want = words[i + m - 1], cue.words[-1]
                if last == want or (cue.prefix and last.startswith(want)):
                    fired.add(cue.key)
                    covered[i:i + m] = [True] * m
                    scores[cue.theme] = scores.get(cue.theme, 0.0) + cue.weight * weights[i]
    for i, word in enumerate(words):
        if covered[i]:
            continue
        for cue in _word_cues(word):
            if cue.key not in fired:
                fired.add(cue.key)
                scores[cue.theme] = scores.get(cue.theme, 0.0) + cue.weight * weights[i]
    return scores


@lru_cache(maxsize=16384)
def _word_cues(word: str) -> tuple[_Cue, ...]:
    """The single-word cues a word fires: per theme, its strongest (a word counts once)."""
    whole, prefix, _ = _cue_index()
    found = list(whole.get(word, ()))
    for k in range(2, len(word) + 1):
        found += prefix.get(word[:k], ())
    best: dict[str, _Cue] = {}
    for cue in found:
        if cue.weight > getattr(best.get(cue.theme), "weight", -1.0):
            best[cue.theme] = cue
    return tuple(best.values())


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _stems(words: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(_stem(w) for w in words if w not in STOP_WORDS and len(w) > 1))


@dataclass(frozen=True)
class ThemeModel:
    """Naive Bayes over word stems: log P(theme), and for each stem seen in training
    log P(stem | theme), both in `THEME_IDS` order."""

    prior: tuple[float, ...]
    stems: dict[str, tuple[float, ...]]


def fit_model(rows: Iterable[tuple[str, str]], smoothing: float = SMOOTHING) -> ThemeModel:
    """Fit on (theme, text) pairs."""
    counts: dict[str, Counter[str]] = {t: Counter() for t in THEME_IDS}
    docs: Counter[str] = Counter()
    for theme, text in rows:
        docs[theme] += 1
        counts[theme].update(_stems(_tokens(text)[0]))
    vocab = set().union(*counts.values())
    total_docs = sum(docs.values())
    totals = [sum(counts[t].values()) + smoothing * len(vocab) for t in THEME_IDS]
    prior = tuple(math.log((docs[t] + 1) / (total_docs + len(THEME_IDS))) for t in THEME_IDS)
    stems = {s: tuple(math.log((counts[t][s] + smoothing) / total)
                      for t, total in zip(THEME_IDS, totals, strict=True))
             for s in vocab}
    return ThemeModel(prior, stems)


def load_theme_corpus(split: str) -> list[tuple[str, str, str, str]]:
    """One split of the packaged theme corpus as (theme, team, style, text) rows."""
    path = resources.files("bot.core") / "corpus" / f"themes_{split}.tsv"
    rows: list[tuple[str, str, str, str]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if n == 0 or not line.strip():
            continue  # header
        theme, workspace, style, text = line.split("\t", 3)
        if theme not in THEME_NAMES:
            raise ValueError(f"corpus/themes_{split}.tsv line {n + 1}: bad theme {theme!r}")
        rows.append((theme, workspace, style, text))
    return rows


@lru_cache(maxsize=1)
def _model() -> ThemeModel:
    return fit_model((theme, text) for theme, _, _, text in load_theme_corpus("dev"))


def theme_scores(text: str, model: ThemeModel | None = None) -> dict[str, float]:
    """Each theme's evidence for `text` (higher is more likely)."""
    model = model or _model()
    words, weights = _tokens(text)
    scores = _cue_scores(words, weights)
    rows = [model.stems[s] for s in _stems(words)
            if s in model.stems]  # a stem the corpus never used says nothing
    nb = [sum(column) for column in zip(model.prior, *rows, strict=True)]
    top = max(nb)
    return {t: scores.get(t, 0.0) + NB_SCALE * (v - top)
            for t, v in zip(THEME_IDS, nb, strict=True)}


def theme_id(text: str, model: ThemeModel | None = None) -> str:
    """The id of `text`'s theme (one of `THEME_IDS`)."""
    scores = theme_scores(text, model)
    best = max(THEME_IDS, key=lambda t: scores[t])
    if best != "other" and scores[best] - scores["other"] < MIN_SCORE:
        return "other"
    return best


def theme_of(text: str) -> str:
    """The display name of the KTLO theme `text` belongs to (read as people read it:
    mentions and links by their names, not Slack's markup)."""
    return THEME_NAMES[theme_id(readable(text))]
