"""Commands on the database file: `migrate`, `backup PATH`, `export`. `backup` and
`export` only read, and never create a database: a mistyped HEADWAY_DB is an error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.cli import runtime
from bot.cli.failures import UsageError
from bot.config import Settings
from bot.store import Store


def migrate(settings: Settings) -> int:
    created = not settings.db_path.exists()
    store = Store.open(settings.db_path, migrate=False)
    try:
        applied = store.migrate()
        version = store.schema_version()
    finally:
        store.close()
    if not applied:
        print(f"already at schema {version[-1]} ({len(version)} migrations): nothing to apply")
    else:
        what = f"created {settings.db_path}; " if created else ""
        print(f"{what}applied {len(applied)} migration{'s' if len(applied) > 1 else ''} "
              f"({', '.join(applied)}): schema now at {version[-1]}")
    return 0


def backup(settings: Settings, path: str) -> int:
    """`path` as typed: `./-` names a file called `-`, `-` alone is refused."""
    if path == "-":
        # Not stdout: the copy is made beside PATH and renamed into place.
        raise UsageError("backup writes a file, not standard output: give a path such as "
                         "backups/headway.db (a file named '-' is ./-)")
    store = Store.open(settings.db_path, create=False, migrate=False)
    try:
        _not_empty(store, settings, "nothing to back up")
        written = store.backup(Path(path))
    finally:
        store.close()  # no connection (and no WAL map) left behind in this process
    print(f"backed up {settings.db_path} to {written}")
    return 0


def export(settings: Settings, workspace_id: str | None) -> int:
    store = Store.open(settings.db_path, create=False, migrate=False)
    try:
        _not_empty(store, settings, "nothing to export")
        chosen = runtime.workspace(store, workspace_id, include_uninstalled=True)
        data = store.exports.workspace(chosen)
    finally:
        store.close()
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


def _not_empty(store: Store, settings: Settings, so: str) -> None:
    """A database no Headway has written (an empty file, say) is an error for the commands
    that copy one out, the same for each."""
    if not store.schema_version():
        raise UsageError(f"the database {settings.db_path} is empty (no Headway has used it "
                         f"yet): {so}; check HEADWAY_DB")
