"""The referral tally: how many crisis referrals were made on each UTC day, by kind, for good.

The laws on companion chatbots ask an operator for a yearly count of crisis referrals
(California SB 243, Washington HB 2225) with no personal identifiers. The tally keeps exactly
that and nothing more: one row per day and kind, holding a number. No message, no session, no
time of day, no level, no locale is stored, so a copy of the table tells no one who was in crisis.

It lives in the vault's database (the ``referral_tally`` table, created by migration 0002), so
it survives restarts, and every server replica adds to the same rows: an increment is one
``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1`` statement, which PostgreSQL applies
atomically under concurrent writers and SQLite runs under its write lock (``BEGIN IMMEDIATE``).

A referral is counted once, on the turn that opens a crisis episode (``Reply.referral``). A count
that cannot be written never stops the reply: ``record`` reports False and the caller goes on.

Example:
    >>> tally = Tally("sqlite:///vault.sqlite3")
    >>> tally.record(RiskKind.EATING_DISORDER, date(2027, 3, 1))
    True
    >>> tally.year(2027).total
    1
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from confidante.conversation import RiskKind
from confidante.errors import ConfidanteError
from confidante.paths import default_database_url
from confidante.vault.store import Store, metadata

__all__ = ["REFERRAL_KINDS", "Tally", "YearTotals"]

_log = logging.getLogger(__name__)

#: The kinds a referral is counted under, in the order a report lists them.
REFERRAL_KINDS = (
    RiskKind.SUICIDE_SELF_HARM,
    RiskKind.EATING_DISORDER,
    RiskKind.HARMED_BY_OTHERS,
    RiskKind.HARMING_OTHERS,
    RiskKind.MEDICAL_EMERGENCY,
    RiskKind.THIRD_PARTY,
)

# Mirrors migrations/versions/0002; the migration, not this table, creates the schema.
tally_table = sa.Table(
    "referral_tally",
    metadata,
    sa.Column("day", sa.Date(), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer(), nullable=False),
)


@dataclass(frozen=True)
class YearTotals:
    """The referrals of one calendar year: the total, and the count of each kind."""

    year: int
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Every referral of the year, whatever its kind."""
        return sum(self.by_kind.values())

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy: year, period, total and each kind (zeros included)."""
        return {
            "year": self.year,
            "from": f"{self.year:04d}-01-01",
            "to": f"{self.year:04d}-12-31",
            "total": self.total,
            "by_kind": dict(self.by_kind),
        }


class Tally:
    """Durable referral counts in the vault's database; safe to share between threads."""

    def __init__(self, url: str | None = None, today: Callable[[], date] | None = None) -> None:
        """Count into the database at ``url`` (or the SQLite file in the user directory).

        The database is opened (and migrated) on first use, so an app that never refers
        anyone never touches it; ``today`` is the clock for the UTC day.
        """
        self._url = url or default_database_url()
        self._today = today or (lambda: datetime.now(UTC).date())
        self._store: Store | None = None
        self._lock = threading.Lock()

    def _opened(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self._url)
            return self._store

    def add(self, kind: RiskKind, day: date | None = None) -> None:
        """Count one referral of ``kind`` on ``day`` (today, UTC); raises VaultError on failure."""
        if kind not in REFERRAL_KINDS:
            # A referral with no crisis kind is still a referral: the protocol's default kind.
            kind = RiskKind.SUICIDE_SELF_HARM
        store = self._opened()
        values = {"day": day or self._today(), "kind": kind.value, "count": 1}
        dialect = postgresql if store.is_postgres else sqlite
        stmt = dialect.insert(tally_table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["day", "kind"], set_={"count": tally_table.c.count + 1}
        )
        with store.guard(), store.engine.begin() as conn:
            conn.execute(stmt)

    def record(self, kind: RiskKind, day: date | None = None) -> bool:
        """Count one referral like ``add``; False, never an exception, when it was not written."""
        try:
            self.add(kind, day)
        except (ConfidanteError, sa.exc.SQLAlchemyError) as err:
            # The error's type only: the operator learns a count is missing, and nothing else.
            _log.warning("A referral could not be counted (%s).", type(err).__name__)
            return False
        return True

    def days(self, start: date, end: date) -> list[tuple[date, str, int]]:
        """The stored rows from ``start`` to ``end`` inclusive: (day, kind, count), in order."""
        t = tally_table
        stmt = (
            sa.select(t.c.day, t.c.kind, t.c.count)
            .where(t.c.day >= start, t.c.day <= end)
            .order_by(t.c.day, t.c.kind)
        )
        store = self._opened()
        with store.guard(), store.engine.begin() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(stmt)]

    def year(self, year: int) -> YearTotals:
        """The totals of calendar ``year`` (UTC days), every kind listed, zeros included."""
        by_kind = {k.value: 0 for k in REFERRAL_KINDS}
        for _day, kind, count in self.days(date(year, 1, 1), date(year, 12, 31)):
            by_kind[kind] = by_kind.get(kind, 0) + count
        return YearTotals(year, by_kind)

    def close(self) -> None:
        """Close every pooled connection (a later call opens them again)."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def __enter__(self) -> Tally:
        """Use the tally in a ``with`` block that closes it."""
        return self

    def __exit__(self, *_exc: object) -> None:
        """Close the tally at the end of a ``with`` block."""
        self.close()
