"""The suite never passes quietly without Slack's Web API spec: a developer's run says the
spec checks were off, and a CI run refuses to start.

Each case runs a real pytest in a subprocess over a one-test file that uses this suite's
`fake` fixture (conftest loaded as a plugin), with `HEADWAY_SHARED_DIR` pointing at an empty
folder, or at the real one as the control.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED_FILES

TESTS = Path(__file__).resolve().parent
ONE_TEST = '''
from slack_sdk import WebClient


def test_a_call_through_the_fake(fake):
    assert WebClient(token=fake.token, base_url=fake.api_url).auth_test()["ok"]
'''


def _start(tmp_path: Path, name: str, shared: Path, ci: bool) -> subprocess.Popen[str]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "test_one.py").write_text(ONE_TEST)
    # Its own (empty) configuration: whatever folder tmp_path is in, no pyproject.toml above
    # it may add options (a second `-q` hides the "1 passed" line).
    (folder / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env |= {"HEADWAY_SHARED_DIR": str(shared),
            "PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    if ci:
        env["CI"] = "true"
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
         "-p", "no:hypothesispytest", str(folder / "test_one.py")],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def test_without_the_shared_folder_a_run_warns_and_a_ci_run_fails_loudly(tmp_path):
    nowhere = tmp_path / "no-shared-here"
    shared = SHARED_FILES[0].parents[1]
    have_shared = all(path.is_file() for path in SHARED_FILES)
    # All at once: each is a whole pytest start-up.
    local, ci = (_start(tmp_path, "local", nowhere, ci=False),
                 _start(tmp_path, "ci", nowhere, ci=True))
    control = _start(tmp_path, "control", shared, ci=True) if have_shared else None
    (local_code, local_out), (ci_code, ci_out) = _finish(local), _finish(ci)

    assert local_code == 0, local_out
    assert "1 passed" in local_out  # the test itself still ran, unchecked
    [warning] = [line for line in local_out.splitlines() if "spec checks were OFF" in line]
    assert str(nowhere / "data" / "slack_web_openapi_v2.json") in warning
    assert "HEADWAY_SHARED_DIR" in warning

    assert ci_code == pytest.ExitCode.USAGE_ERROR, ci_out
    assert "passed" not in ci_out  # stopped before any test
    [error] = [line for line in ci_out.splitlines() if "CI=true" in line]
    assert "shared data folder is incomplete" in error and str(nowhere) in error
    assert "spec check" in error and "HEADWAY_SHARED_DIR" in error

    if control is not None:  # (without the folder, this very run prints the warning)
        # The control: with the folder, a CI run checks every call and says nothing of it.
        code, out = _finish(control)
        assert code == 0, out
        assert "1 passed" in out and "spec checks were OFF" not in out and "WARNING" not in out
