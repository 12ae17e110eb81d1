"""Items and labels: nothing dropped, labels with reasons, workspace corrections."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.classify import classify, classify_many
from bot.core.items import is_chatter, split_items
from bot.core.labelling import label_answer


def test_bullets_numbers_and_lines_become_items_and_a_semicolon_does_not_split():
    text = "- shipped A\n* fixed B again\n• met C\n1. wrote D\n2) planned E\n\nF; G ;H"
    assert split_items(text) == ["shipped A", "fixed B again", "met C", "wrote D",
                                 "planned E", "F; G ;H"]


def test_a_hyphen_inside_a_line_is_kept():
    assert split_items("re-ran the end-to-end tests - twice") == [
        "re-ran the end-to-end tests - twice"]


@given(st.text(max_size=400))
def test_nothing_the_member_wrote_is_dropped_but_markers_and_chatter_lines(text):
    kept = "".join(split_items(text))
    # every non-space character survives, except list markers and whole lines of chatter
    # (only mentions, greetings or punctuation), which stay in the stored reply text
    stripped = re.sub(r"(?m)^\s*(?:[-*•·–—▪◦]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][)])\s+", "", text)
    wanted = [c for line in stripped.split("\n") if not is_chatter(line.strip())
              for c in line if not c.isspace()]
    got = [c for c in kept if not c.isspace()]
    assert got == wanted


@pytest.mark.parametrize("text,label", [
    ("Launched usage-based pricing for small teams", "progress"),
    ("Automated the weekly churn report", "progress"),
    ("Fixed the flaky deploy for good by removing the shared cache", "progress"),
    ("Mentored two new analysts on the data stack", "progress"),
    ("Ran an A/B test on the signup form", "progress"),
    ("Restarted the billing export job again", "ktlo"),
    ("Handled three P1 incidents on the payments API", "ktlo"),
    ("Weekly status meeting with finance", "ktlo"),
    ("Quarterly access review for the SOC 2 audit", "ktlo"),
    ("Triaged the support queue", "ktlo"),
    ("Expense reports and timesheets", "ktlo"),
    ("Upgraded Postgres because the old version hits end of life", "ktlo"),
])
def test_obvious_items_across_teams(text, label):
    c = classify(text)
    assert c.label == label
    assert 0.5 <= c.confidence <= 1.0
    assert c.reasons and all(r.lower() in text.lower() for r in c.reasons)


def test_corrections_shape_later_labels_in_that_workspace_only():
    base = classify("Weekly vendor sync with Acme")
    assert base.label == "ktlo"
    corrected = [("Weekly vendor sync", "progress")]
    mine = classify_many(["Weekly vendor sync with Acme", "Restarted the cron job again"],
                         corrected)
    assert mine[0].label == "progress" and "correction" in mine[0].reasons[0]
    assert mine[1].label == "ktlo"  # dissimilar items are left alone
    assert classify_many(["Weekly vendor sync with Acme"], [])[0].label == "ktlo"


def test_answers_to_agenda_prompts_are_filed_not_classified():
    [item] = label_answer("Billing export keeps hanging; nobody owns it", "problem")
    assert item.label is None and item.label_source == "prompt"
    assert item.text == "Billing export keeps hanging; nobody owns it"
    items = label_answer("- a launch\n- an outage", "work")
    assert [i.label_source for i in items] == ["auto", "auto"]
