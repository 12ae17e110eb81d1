"""Checks on the database file itself, made before SQLite opens it.

SQLite reports a wrong file late and vaguely: a text file or a directory gives "file is not
a database" or "unable to open database file" at the first query, a truncated file works
until a query reaches a missing page, and a read-only file fails at the first write, in the
middle of whatever Headway was doing. These checks read the file's 100-byte header
(https://www.sqlite.org/fileformat.html#the_database_header) and say in one sentence what
is wrong and what to do.
"""

from __future__ import annotations

import os
from pathlib import Path


class StoreError(Exception):
    """The database file cannot be used as it is; the message says why and what to do."""


SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100


def check_database_file(path: Path, *, create: bool, write: bool) -> None:
    """Raise `StoreError` unless `path` can be Headway's database.

    `create`: a missing file is fine (the caller creates it); otherwise it is an error.
    `write`: the file must be writable (the caller migrates or records things in it).
    """
    if path.is_dir():
        raise StoreError(f"HEADWAY_DB points at a directory ({path}), not a database file: "
                         f"set it to a file path such as {path / 'headway.db'}")
    if not path.exists():
        if create:
            return
        raise StoreError(f"no database at {path}: check HEADWAY_DB (Headway creates the file "
                         f"when `headway serve` or `headway migrate` first runs)")
    if not path.is_file():
        raise StoreError(f"HEADWAY_DB ({path}) is not a regular file: set it to a path on "
                         f"a disk, such as ./data/headway.db")
    try:
        with open(path, "rb") as f:
            header = f.read(HEADER_SIZE)
    except OSError as exc:
        raise StoreError(f"cannot read the database {path} ({exc.strerror}): give the user "
                         f"running Headway access to it, or point HEADWAY_DB elsewhere") from None
    if header:  # an empty file is a new database
        if not header.startswith(SQLITE_MAGIC) or len(header) < HEADER_SIZE:
            raise StoreError(f"{path} is not a SQLite database: point HEADWAY_DB at Headway's "
                             f"database, or restore it from a backup")
        _check_not_truncated(path, header)
    if write and not os.access(path, os.W_OK):
        raise StoreError(f"the database {path} is read-only: make it writable (chmod u+w) for "
                         f"the user running Headway; `headway backup` and `headway export` "
                         f"work on a read-only file")


def _check_not_truncated(path: Path, header: bytes) -> None:
    """A file shorter than the page count its header records lost its end (a copy cut
    short, a full disk): SQLite would fail only when a query reaches a missing page."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = header[24:28], int.from_bytes(header[28:32], "big")
    valid_for = header[92:96]
    if page_count == 0 or valid_for != change_counter:
        return  # written by an old SQLite that did not keep the count: cannot tell
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # pages may still be in the write-ahead log, which SQLite replays
    size = path.stat().st_size
    expected = page_size * page_count
    if size < expected:
        raise StoreError(f"the database {path} is truncated ({size} of {expected} bytes): "
                         f"restore it from a backup (README, Deployment)")


def read_only_uri(path: Path) -> str | None:
    """How a command that only reads (`backup`, `export`, `digest --dry-run`) opens `path`,
    leaving nothing behind: None means an ordinary connection (with `PRAGMA query_only`),
    else the SQLite URI to open instead.

    In WAL mode a reader needs the `-shm` file beside the database, and SQLite creates it
    (and `-wal`) at the first read. A connection that can write removes both when it closes;
    one that cannot (a read-only file, a folder it cannot write) leaves them behind, or, in
    a folder it cannot write, cannot read at all. So:

    - file and folder writable: an ordinary connection, kept from writing by
      `query_only`; SQLite removes its `-wal` and `-shm` at close as always.
    - otherwise, with a `-wal` present (a `serve` has the database open, or stopped
      without cleaning up): `mode=ro`, through the existing `-wal` and `-shm`, so the
      changes still in the log are read too, and nothing new is created.
    - otherwise: `mode=ro&immutable=1`, which needs neither file. The trade-off: an
      immutable reader takes no locks and assumes the file does not change while it reads.
      That holds here: with no `-wal`, no process has the database open in WAL mode, and
      one that opens it meanwhile writes to its own new `-wal` (the main file changes only
      at a checkpoint, after ~1,000 pages or when that process closes it).
    """
    folder = path.parent
    if os.access(path, os.W_OK) and os.access(folder, os.W_OK):
        return None
    uri = path.absolute().as_uri()  # percent-encodes `?`, `#` and `%` in the path
    wal = Path(f"{path}-wal")
    return f"{uri}?mode=ro" if wal.exists() else f"{uri}?mode=ro&immutable=1"


def create_database_file(path: Path) -> None:
    """An empty database file, readable by its owner only from birth (replies are
    personal), in a directory created if needed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create the database {path} ({exc.strerror}): set HEADWAY_DB "
                         f"to a path in a writable directory") from None
    os.close(fd)
