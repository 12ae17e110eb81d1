"""Text as Slack sends it: decoded once on the way in, escaped once on the way out, with
mentions and links shown readably and never live. Pure functions, no Slack, no SQL.

Wire examples follow Slack's documented message formatting (escaped `&amp;`/`&lt;`/`&gt;`,
`<@U…>`, `<#C…|name>`, `<!here>`, `<!subteam^S…|@handle>`, `<url|label>`), the forms
python-slack-sdk's `slack_sdk.models` builds (`<#C12345|abc>` in
tests/slack_sdk/models/test_objects.py) and bolt-python's event fixtures (`"text": "<@U111> hey"`
in tests/scenario_tests/test_block_actions_respond.py).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands import CommandError, parse_command
from bot.core.items import is_chatter, split_items
from bot.core.labelling import label_answer
from bot.core.messages import confirmation_blocks
from bot.core.model import Reply
from bot.core.text import (
    escape_mrkdwn,
    from_slack,
    name_mentions,
    plain,
    readable,
    safe,
    segments,
    show,
)

TYPED = "Migrated R&D to the new CI & cut build time to <10 min"
WIRE = "Migrated R&amp;D to the new CI &amp; cut build time to &lt;10 min"

# Every way mrkdwn could make something live: a mention, a broadcast, a channel link.
LIVE = re.compile(r"<[@#!]")


# ── on the way in ────────────────────────────────────────────────────────────


def test_escaped_message_text_is_stored_as_the_person_typed_it():
    assert from_slack(WIRE) == TYPED


def test_an_entity_the_person_typed_is_decoded_once_not_twice():
    # They typed "&lt;" literally; Slack sent it as "&amp;lt;".
    assert from_slack("use &amp;lt; not &amp;amp;") == "use &lt; not &amp;"


def test_references_are_kept_verbatim_in_slacks_own_form():
    wire = ("with <@U123> &amp; <@U456|bo> in <#C1|general> <!here> "
            "<https://x.y/?a=1&amp;b=2|R&amp;D &gt; ops>")
    assert from_slack(wire) == ("with <@U123> & <@U456|bo> in <#C1|general> <!here> "
                                "<https://x.y/?a=1&amp;b=2|R&amp;D &gt; ops>")


@given(st.text(max_size=300))
def test_whatever_a_person_types_survives_slacks_escaping(typed):
    assert from_slack(escape_mrkdwn(typed)) == typed


# ── on the way out ───────────────────────────────────────────────────────────


def test_stored_text_is_escaped_exactly_once_for_mrkdwn():
    assert show(TYPED) == WIRE
    assert show("&amp; typed literally") == "&amp;amp; typed literally"


def test_mentions_show_the_members_name_never_an_id():
    names = {"U123": "Ana"}
    assert show("paired with <@U123>", names=names) == "paired with @Ana"
    assert readable("paired with <@U123>", names) == "paired with @Ana"
    # Slack's own label when Headway does not know the person, else a neutral word.
    assert readable("<@U456|bo> and <@U789>") == "@bo and @someone"
    assert "U789" not in show("<@U789>") and "U456" not in show("<@U456|bo>")


def test_the_members_current_name_wins_over_the_label_slack_sent():
    assert readable("<@U123|old_handle>", {"U123": "Ana"}) == "@Ana"


def test_channels_broadcasts_and_groups_read_as_plain_text():
    text = ("<#C1|general> <#C2|> <#C3> <!here> <!channel> <!everyone> "
            "<!subteam^S1|@oncall> <!subteam^S2> <!date^1392734382^{date_short}|Feb 18, 2014>")
    assert readable(text) == ("#general #channel #channel @here @channel @everyone "
                              "@oncall @group Feb 18, 2014")
    assert not LIVE.search(show(text))


def test_web_and_mail_links_are_remade_with_an_escaped_label():
    stored = from_slack("see <https://x.y/812?a=1&amp;b=2|PR 812 &amp; co> "
                        "or <mailto:ana@x.y|ana@x.y> or <https://x.y/docs>")
    assert show(stored) == ("see <https://x.y/812?a=1&amp;b=2|PR 812 &amp; co> "
                            "or <mailto:ana@x.y|ana@x.y> or <https://x.y/docs|https://x.y/docs>")
    assert readable(stored) == "see PR 812 & co or ana@x.y or https://x.y/docs"
    assert plain(stored) == ("see PR 812 & co (https://x.y/812?a=1&b=2) or ana@x.y "
                             "or https://x.y/docs")


@pytest.mark.parametrize("stored,shown", [
    ("<javascript:alert(1)|click me>", "click me"),
    ("<slack://open?team=T1|open Slack>", "open Slack"),
    ("<ftp://x.y/file>", "ftp://x.y/file"),
])
def test_other_schemes_become_text_not_links(stored, shown):
    assert show(stored) == shown


@pytest.mark.parametrize("typed", [
    "build time <10 min", "<b>bold</b> > all", "a <note: later> b", "x < y > z", "<>",
])
def test_angle_brackets_a_person_typed_stay_text(typed):
    assert [s for s in segments(typed) if not isinstance(s, str)] == []
    assert show(typed) == escape_mrkdwn(typed)


_REFS = st.sampled_from([
    "<@U123>", "<@U123|ana>", "<#C1|general>", "<!here>", "<!channel>", "<!everyone>",
    "<!subteam^S1|@ops>", "<https://x.y/a?b=1&amp;c=2|PR &gt; 812>", "<mailto:a@b.c>",
    "<javascript:x|y>", "<@W1|a>b>", "<!date^1^{x}|d>",
])
_STORED = st.lists(st.one_of(st.text(max_size=20), _REFS), max_size=8).map("".join)


@given(_STORED, st.one_of(st.none(), st.integers(min_value=1, max_value=80)))
def test_nothing_shown_is_ever_live_and_every_cut_respects_the_limit(stored, limit):
    out = show(stored, limit, names={"U123": "<!channel> & co"})
    assert not LIVE.search(out)
    # The only markup left is a link Headway made itself, to http(s) or mailto.
    for m in re.finditer(r"<[^>]*>?", out):
        assert re.fullmatch(r"<(https?://|mailto:)[^<>|]+\|[^<>]*>", m.group(0)), out
    if limit is not None:
        assert len(out) <= limit
    # no escape sequence cut in half
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)


def test_a_long_text_is_cut_before_a_link_it_cannot_hold_whole():
    stored = "x" * 20 + "<https://x.y/a-long-address|the label>"
    out = show(stored, 30)
    assert out == "x" * 20 + "the label"[:9] + "…"
    assert show("R&D" * 10, 7) == "R&amp;…"
    assert show("R&D" * 10, 6) == "R…"  # never half an escape


def test_names_go_into_mentions_escaped_for_slacks_form():
    stored = name_mentions("thanks <@U1> and <@U2|bo> and <@U3>", {"U1": "R&D <bot>", "U2": "Bo"})
    assert stored == "thanks <@U1|R&amp;D &lt;bot&gt;> and <@U2|Bo> and <@U3>"
    assert show(stored) == "thanks @R&amp;D &lt;bot&gt; and @Bo and @someone"


def test_safe_still_escapes_plain_text_once():
    assert safe("<!channel> & co") == "&lt;!channel&gt; &amp; co"


# ── items ────────────────────────────────────────────────────────────────────


def test_the_issue_example_is_one_item_labelled_once():
    items = label_answer(from_slack(WIRE), "work")
    assert [i.text for i in items] == [TYPED]
    assert items[0].label in ("progress", "ktlo")


def test_prose_with_semicolons_is_one_item():
    assert split_items("Reset passwords for the sales team; fixed the VPN") == [
        "Reset passwords for the sales team; fixed the VPN"]


@pytest.mark.parametrize("line", [
    "hi", "Hello @Headway", "hello <@UBOT>", "thanks!", "<@U123>", "<@U1> <@U2>",
    "Thank you so much :pray:", "good morning team 👋", "hey there!", "---", "<@U1> 🎉",
])
def test_a_line_of_only_mentions_or_a_greeting_is_chatter(line):
    assert is_chatter(line)


@pytest.mark.parametrize("line", [
    "hi-res export shipped", "Thanks to <@U1> we shipped the billing API",
    "<https://github.com/acme/api/pull/812|PR 812>", "1:1 with <@U1>",
    "Hey, fixed the login bug", "Met the auditors", "ok",
    # an emoji alone answers the question in pictures ("🤒"): an item, labelled `none`
    "🎉", "🏖️", ":face_with_thermometer:",
])
def test_a_line_with_work_in_it_is_not_chatter(line):
    assert not is_chatter(line)


def test_chatter_lines_are_not_items_but_stay_in_the_reply_text():
    text = "hi <@UBOT>!\n- Shipped the export API\n- thanks!"
    assert split_items(text) == ["Shipped the export API"]
    assert [i.text for i in label_answer(text, "work")] == ["Shipped the export API"]


def test_a_recognition_answer_that_is_only_a_mention_is_kept():
    assert [i.text for i in label_answer("<@U123>", "recognition")] == ["<@U123>"]


# ── the classifier reads what people read ────────────────────────────────────


def test_items_keep_their_links_but_the_classifier_sees_the_label():
    text = "Merged <https://github.com/acme/api/pull/812|PR 812> for the new export API"
    [item] = label_answer(text, "work")
    assert item.text == text
    assert not any("github" in r.lower() or "http" in r.lower() for r in item.reasons)


def test_a_correction_made_on_a_linked_item_matches_the_same_words_typed_plainly():
    corrections = [("Reviewed <https://github.com/acme/roadmap/pull/9|the roadmap>",
                    "progress")]
    [item] = label_answer("Reviewed the roadmap", "work", corrections)
    assert item.label == "progress"
    assert item.reasons == ("like your team's correction: 'Reviewed the roadmap'",)


def test_a_work_answer_of_only_chatter_is_stored_with_no_items_and_the_member_is_told():
    text = "hi <@UBOT>!"
    reply = Reply(workspace_id="T1", user_id="U1", prompt_id="work", kind="work",
                  period="2026-W47", text=text, items=label_answer(text, "work"))
    head, blocks = confirmation_blocks("What did you move forward?", reply)
    assert "(0 items)" in head
    assert any("Nothing in that reads as work" in e["text"]
               for b in blocks for e in b.get("elements", []))


# ── the command parser reads decoded text ────────────────────────────────────


def test_the_command_parser_decodes_slacks_escaping_before_reading_the_text():
    assert parse_command("team add <@U2|b&amp;o>, <#C1|general>").users == ("U2",)
    assert parse_command("team add <@U2|b&amp;o>, <#C1|general>").channels == ("C1",)
    with pytest.raises(CommandError) as err:
        parse_command("pause 2&amp;3")
    assert "`2&amp;3`" in err.value.message  # escaped once: Slack shows `2&3`
