"""The `/headway` parser: what people type, and what they are told when it is wrong."""

from datetime import date, time

import pytest

from bot.core.commands import Command, CommandError, parse_command
from bot.core.usage import USAGE_LINE, help_text


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP"])
def test_empty_text_and_help_mean_help(text):
    assert parse_command(text) == Command("help")


@pytest.mark.parametrize("name", ["join", "leave", "now", "skip", "resume", "history", "stats",
                                  "export"])
def test_simple_subcommands(name):
    assert parse_command(f"  {name.upper()} ") == Command(name)


def test_simple_subcommands_refuse_arguments():
    with pytest.raises(CommandError, match="`skip` takes no arguments"):
        parse_command("skip now please")


def test_join_and_leave_take_an_optional_team_name_tidied():
    assert parse_command("join").team is None
    assert parse_command("join   Customer   Support ").team == "Customer Support"
    assert parse_command("leave Sales &amp; Ops").team == "Sales & Ops"
    with pytest.raises(CommandError, match="not a team name"):
        parse_command("join <#C1|eng>")


def test_pause_takes_a_number_of_weeks():
    assert parse_command("pause 3").weeks == 3
    assert parse_command("pause 2w").weeks == 2
    assert parse_command("pause 1week").weeks == 1


@pytest.mark.parametrize("text,message", [
    ("pause", "how many weeks"),
    ("pause 0", "not a number of weeks from 1 to 52"),
    ("pause 53", "not a number of weeks from 1 to 52"),
    ("pause -1", "not a number of weeks"),
    ("pause two", "`two` is not a number"),
    ("pause 1 2", "how many weeks"),
])
def test_pause_errors_are_specific(text, message):
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert message in err.value.message
    assert "pause <weeks>" in err.value.usage


def test_time_with_and_without_days():
    assert parse_command("time 09:30") == Command("time", at=time(9, 30))
    cmd = parse_command("time 16:00 mon-fri")
    assert cmd.at == time(16) and cmd.days == (0, 1, 2, 3, 4)
    assert parse_command("time 8:15 mon,wed,fri").days == (0, 2, 4)


@pytest.mark.parametrize("text", ["time", "time 25:00", "time 9:75", "time noon",
                                  "time 09:00 funday"])
def test_time_errors_carry_the_time_usage(text):
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert "time <HH:MM>" in err.value.usage
    assert err.value.message


def test_anonymous_on_off():
    assert parse_command("anonymous on").flag is True
    assert parse_command("anonymous OFF").flag is False
    with pytest.raises(CommandError, match="anonymous on"):
        parse_command("anonymous maybe")


def test_forget_me_needs_both_words():
    assert parse_command("forget me") == Command("forget me")
    with pytest.raises(CommandError, match="forget me"):
        parse_command("forget")
    with pytest.raises(CommandError):
        parse_command("forget everyone")


def test_digest_subcommands():
    assert parse_command("digest preview") == Command("digest preview")
    assert parse_command("digest here").admin
    cmd = parse_command("digest time mon 09:00")
    assert (cmd.name, cmd.day, cmd.at, cmd.admin) == ("digest time", 0, time(9), True)


@pytest.mark.parametrize("text,message", [
    ("digest", "digest preview"),
    ("digest now", "digest preview"),
    ("digest time mon", "a day and a time"),
    ("digest time mon-fri 09:00", "name one day"),
    ("digest time someday 09:00", "someday"),
])
def test_digest_errors(text, message):
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert message in err.value.message


def test_team_add_parses_escaped_mentions_and_channels():
    cmd = parse_command("team add <@U123|ada> <@W456> <#C789|eng>, <@U123|ada>")
    assert cmd.name == "team add" and cmd.admin
    assert cmd.users == ("U123", "W456")
    assert cmd.channels == ("C789",)


def test_team_remove_takes_people_only():
    assert parse_command("team remove <@U1|a>").users == ("U1",)
    with pytest.raises(CommandError, match="not channels"):
        parse_command("team remove <#C1|eng>")


@pytest.mark.parametrize("text,message", [
    ("team", "team add"),
    ("team add", "at least one person or channel"),
    ("team add @ada", "autocomplete"),
    ("team add ada", "not a @mention"),
    ("team add <@nope>", "not a @mention"),
])
def test_team_errors(text, message):
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert message in err.value.message


def test_prompts_pack_name():
    assert parse_command("prompts Default").pack == "default"
    with pytest.raises(CommandError, match="prompt pack"):
        parse_command("prompts ../../etc")


def test_unknown_word_is_named_and_long_input_is_clipped():
    with pytest.raises(CommandError) as err:
        parse_command("x" * 5000)
    assert len(err.value.message) < 80
    assert err.value.usage == USAGE_LINE


def test_help_lists_every_subcommand_and_marks_admin_ones():
    text = help_text()
    for word in ["join", "leave", "now", "skip", "pause", "resume", "time", "history", "stats",
                 "anonymous", "export", "forget me", "digest preview", "digest here",
                 "digest time", "team add", "team remove", "prompts"]:
        assert f"/headway {word}" in text
    assert ("`/headway digest here [<team>]` — post the team's weekly digest in this channel "
            "_(admin)_") in text
    assert "`/headway target <percent>|off [for <team>]` — " in text
    # team add, remove, digest time, target, prompts, team status, reminder
    assert text.count("_(team lead)_") == 7


def test_quiet_hours_parse_a_range_that_may_wrap_midnight_or_off():
    assert parse_command("quiet 20:00-08:00").quiet == (time(20), time(8))
    assert parse_command("quiet 12:30 - 13:30").quiet == (time(12, 30), time(13, 30))
    off = parse_command("quiet off")
    assert off.name == "quiet" and off.quiet is None


@pytest.mark.parametrize("text,words", [
    ("quiet", "Give the hours"),
    ("quiet 09:00-09:00", "quiet off"),
    ("quiet 9pm", "not a range"),
    ("quiet 20:00-25:00", "hour"),
])
def test_bad_quiet_hours_say_what_is_wrong(text, words):
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert words in err.value.message
    assert "quiet" in err.value.usage


def test_holidays_expand_a_range_and_are_admin_only_to_change():
    cmd = parse_command("holidays add 2026-12-31 2027-01-02")
    assert cmd.name == "holidays add" and cmd.admin
    assert cmd.dates == (date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2))
    assert parse_command("holidays remove 2026-12-31").dates == (date(2026, 12, 31),)
    listing = parse_command("holidays")
    assert listing.name == "holidays" and not listing.admin


def test_admins_export_team_and_retention_parse():
    assert parse_command("admins") == Command("admins")
    assert parse_command("admins add <@U2|bob>, <@W3>").users == ("U2", "W3")
    assert parse_command("admins remove <@U2>").name == "admins remove"
    with pytest.raises(CommandError, match="not a @mention"):
        parse_command("admins add bob")
    with pytest.raises(CommandError, match="at least one"):
        parse_command("admins add")
    assert parse_command("export team") == Command("export team")
    assert parse_command("export team").admin
    assert parse_command("export") == Command("export")
    assert parse_command("retention 12").months == 12
    assert parse_command("retention 6months").months == 6
    off = parse_command("retention off")
    assert off.months is None and off.flag is False and off.admin
    for bad in ("retention 0", "retention 121", "retention", "retention -3"):
        with pytest.raises(CommandError):
            parse_command(bad)


def test_typed_text_repeated_in_errors_is_escaped():
    with pytest.raises(CommandError) as err:
        parse_command("<!channel> now")
    # Shown as the person saw it in Slack, as plain text: never the live broadcast.
    assert "`@channel`" in err.value.message and "<!channel>" not in err.value.message
    with pytest.raises(CommandError) as err:
        parse_command("time <!here>")
    assert "<!here>" not in err.value.message
