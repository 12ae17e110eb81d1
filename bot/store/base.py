"""What every aggregate of the store shares: the way back to the `Store` (its per-thread
connection and its transactions) and the conversions between Python values and columns."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar

from sqlite_utils import Database

if TYPE_CHECKING:
    from bot.store import Store

T = TypeVar("T")


class Aggregate:
    """One aggregate's reads and writes (`store.members`, `store.nudges`…), the way
    sqlite-utils hands out tables. It holds no connection of its own: every call goes
    through the `Store`, so each thread keeps its own connection and a transaction opened
    with `store.atomic()` covers the calls of every aggregate made inside it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def db(self) -> Database:
        return self._store.db

    def atomic(self) -> AbstractContextManager[Database]:
        return self._store.atomic()


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def utc_iso(moment: datetime) -> str:
    """A fixed-width UTC instant ("2026-11-20T09:00:00.000000+00:00"): such texts sort as
    the instants do, so SQL can compare them and an index can range over them."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def is_rowid(value: object) -> bool:
    """Ids come from button values and modal metadata, i.e. from the client: anything
    outside SQLite's 64-bit INTEGER range cannot name a row (and would raise)."""
    return isinstance(value, int) and -(2**63) <= value < 2**63


def from_row(cls: type[T], row: dict[str, Any], **stored_otherwise: Any) -> T:
    """A `cls` dataclass from a row whose columns bear its fields' names. Fields stored in
    another form (a date as text, a tuple as JSON) come converted in `stored_otherwise`;
    a field with neither a column nor a value keeps its default."""
    values = {name: row[name] for name in _field_names(cls) if name in row}
    return cls(**{**values, **stored_otherwise})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def and_equal(columns: dict[str, Any]) -> tuple[str, list[Any]]:
    """`" AND a = ? AND b = ?"` and its values, for each column given a value: None
    means no filter on that column."""
    given = {column: value for column, value in columns.items() if value is not None}
    return "".join(f" AND {column} = ?" for column in given), list(given.values())


def marks(values: Sequence[object]) -> str:
    """`?, ?, ?`: one placeholder a value, for `IN (…)`."""
    return ", ".join("?" for _ in values)
