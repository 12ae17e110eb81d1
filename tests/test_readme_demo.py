"""The README's examples are the demo's own output: the Product team's digest ("What the
digest looks like") and the leaders' rollup ("Teams"), as `headway demo` prints them for
the week 2026-W47. When the demo or the rendering changes, regenerate them with

    .venv/bin/python tests/test_readme_demo.py --write
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # the demo's last week is then 2026-W47
RULE = "─" * 64
# The README's sections that embed an example, and which of the demo's outputs each holds.
SECTIONS = {"## What the digest looks like": "Headway · Product ·",
            "### The leaders' rollup": "Headway rollup ·"}


def demo_outputs(out: Path) -> dict[str, str]:
    """The demo's printed digests and rollup, each from its first rule to its last."""
    import contextlib
    import io

    from bot.demo import run_demo

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        run_demo(out, now=NOW)
    text = printed.getvalue()
    found: dict[str, str] = {}
    for heading, title in SECTIONS.items():
        start = text.index(RULE, text.index(title) - len(RULE) - 2)
        end = text.index(RULE, text.index(RULE, text.index(title)) + len(RULE))
        found[heading] = text[start:end + len(RULE)]
    rollup = (out / "rollup.txt").read_text(encoding="utf-8").rstrip("\n")
    assert found["### The leaders' rollup"] == rollup  # what it prints is what it writes
    return found


def embedded(readme: str, heading: str) -> tuple[int, int]:
    """Where the first ```text block after `heading` holds its example."""
    start = readme.index("```text\n", readme.index(heading)) + len("```text\n")
    return start, readme.index("\n```", start)


def test_the_readmes_digest_and_rollup_examples_are_what_the_demo_prints(tmp_path):
    readme = README.read_text(encoding="utf-8")
    for heading, output in demo_outputs(tmp_path / "demo").items():
        start, end = embedded(readme, heading)
        assert readme[start:end] == output, (
            f"README's example under {heading!r} is not the demo's output: run "
            f"`.venv/bin/python tests/test_readme_demo.py --write`")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import tempfile

    sys.path.insert(0, str(ROOT))
    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        for heading, output in demo_outputs(Path(tmp) / "demo").items():
            start, end = embedded(text, heading)
            text = text[:start] + output + text[end:]
    README.write_text(text, encoding="utf-8")
    print(f"rewrote the examples in {README}")
