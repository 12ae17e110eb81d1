"""Configuration: clear one-line errors naming the variable, exit code 2, no traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, require_serve_settings, settings_from_env

ROOT = Path(__file__).resolve().parents[1]


def test_defaults():
    s = settings_from_env({})
    assert s.api_url == "https://slack.com/api/"
    assert str(s.db_path) == "data/headway.db"
    assert s.port == 3000 and not s.has_slack and not s.socket_mode
    assert (s.send_rate, s.send_rate_max) == (4.0, None)  # start at 4; the pace follows Slack
    assert settings_from_env({"HEADWAY_SEND_RATE": "0.5"}).send_rate == 0.5


@pytest.mark.parametrize("text, start, ceiling", [
    ("4-10", 4.0, 10.0), ("2.5-2.5", 2.5, 2.5), ("6", 6.0, None)])
def test_the_send_rate_is_a_start_and_optionally_a_maximum(text, start, ceiling):
    s = settings_from_env({"HEADWAY_SEND_RATE": text})
    assert (s.send_rate, s.send_rate_max) == (start, ceiling)


@pytest.mark.parametrize("env,name", [
    ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
    ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
    ({"SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET"),
    ({"SLACK_SIGNING_SECRET": "not hex!"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
    ({"PORT": "http"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"HEADWAY_SEND_RATE": "fast"}, "HEADWAY_SEND_RATE"),
    ({"HEADWAY_SEND_RATE": "0"}, "HEADWAY_SEND_RATE"),
    ({"HEADWAY_SEND_RATE": "5000"}, "HEADWAY_SEND_RATE"),
    ({"HEADWAY_SEND_RATE": "10-4"}, "HEADWAY_SEND_RATE"),  # a maximum under the start
    ({"HEADWAY_SEND_RATE": "4-"}, "HEADWAY_SEND_RATE"),
    ({"HEADWAY_UNINSTALL_RETENTION_DAYS": "a month"}, "HEADWAY_UNINSTALL_RETENTION_DAYS"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"},
     "SLACK_BOT_TOKEN"),
    ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"},
     "SLACK_APP_TOKEN"),
    ({"HEADWAY_UNINSTALL_RETENTION_DAYS": "-1"}, "HEADWAY_UNINSTALL_RETENTION_DAYS"),
])
def test_malformed_settings_name_the_variable(env, name):
    with pytest.raises(ConfigError) as err:
        settings_from_env(env)
    assert str(err.value).startswith(name)


def test_serve_needs_a_token_and_a_way_to_verify_requests():
    with pytest.raises(ConfigError, match=r"^SLACK_BOT_TOKEN is not set"):
        require_serve_settings(settings_from_env({}))
    with pytest.raises(ConfigError, match=r"^SLACK_SIGNING_SECRET is not set"):
        require_serve_settings(settings_from_env({"SLACK_BOT_TOKEN": "xoxb-1"}))
    require_serve_settings(settings_from_env({"SLACK_BOT_TOKEN": "xoxb-1",
                                              "SLACK_APP_TOKEN": "xapp-1"}))


def _headway(args, env, cwd):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HEADWAY_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_cli_stops_with_one_line_and_exit_code_2(tmp_path):
    done = _headway(["serve"], {"SLACK_BOT_TOKEN": "oops", "PYTHONPATH": str(ROOT)}, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "headway: SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-' (got 'oops…'); "
        "copy it from your Slack app's settings into .env"
    ]
    assert "Traceback" not in done.stderr


def test_dotenv_is_read_but_the_real_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("PORT=abc\nHEADWAY_DB=from-dotenv.db\n")
    done = _headway(["serve"], {"PYTHONPATH": str(ROOT)}, tmp_path)
    assert done.returncode == 2 and "PORT must be a number" in done.stderr
    done = _headway(["serve"], {"PYTHONPATH": str(ROOT), "PORT": "4000"}, tmp_path)
    assert done.returncode == 2 and "SLACK_BOT_TOKEN is not set" in done.stderr  # PORT passed
    done = _headway(["migrate"], {"PYTHONPATH": str(ROOT)}, tmp_path)  # uses no PORT
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-dotenv.db").exists()
