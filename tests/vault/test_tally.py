"""The referral tally lasts across restarts and replicas, and holds only dates, kinds and counts."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from confidante.conversation import RiskKind
from confidante.vault.tally import REFERRAL_KINDS, Tally

DAY = date(2027, 3, 14)
KIND_VALUES = {k.value for k in REFERRAL_KINDS}

_WRITER = """
import sys
from datetime import date
from confidante.conversation import RiskKind
from confidante.vault.tally import Tally
tally = Tally(sys.argv[1])
for _ in range(int(sys.argv[2])):
    tally.add(RiskKind.EATING_DISORDER, date(2027, 3, 14))
tally.close()
"""


def test_counts_survive_a_restart(db_url: str) -> None:
    with Tally(db_url) as first:
        first.add(RiskKind.SUICIDE_SELF_HARM, DAY)
        first.add(RiskKind.SUICIDE_SELF_HARM, DAY)
        first.add(RiskKind.EATING_DISORDER, date(2027, 12, 31))
        first.add(RiskKind.HARMED_BY_OTHERS, date(2026, 12, 31))  # another year
    with Tally(db_url) as again:
        totals = again.year(2027)
        again.add(RiskKind.SUICIDE_SELF_HARM, DAY)
        assert again.year(2027).by_kind["suicide_self_harm"] == 3
    assert totals.total == 3
    assert totals.by_kind == {
        "suicide_self_harm": 2, "eating_disorder": 1, "harmed_by_others": 0,
        "harming_others": 0, "medical_emergency": 0, "third_party": 0,
    }  # fmt: skip
    with Tally(db_url) as third:
        assert third.year(2026).total == 1


def test_a_second_writer_process_adds_to_the_same_row(db_url: str) -> None:
    each = 20
    Tally(db_url).close()  # migrate first, as a deployment's first start does
    other = subprocess.Popen([sys.executable, "-c", _WRITER, db_url, str(each)])
    with Tally(db_url) as here:

        def write() -> None:
            for _ in range(each):
                here.add(RiskKind.EATING_DISORDER, DAY)

        threads = [threading.Thread(target=write) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert other.wait(timeout=120) == 0
        assert here.days(DAY, DAY) == [(DAY, "eating_disorder", 3 * each)]


def test_stored_rows_hold_only_dates_kinds_and_numbers(db_url: str) -> None:
    with Tally(db_url) as tally:
        for n, kind in enumerate(RiskKind):
            for _ in range(n + 1):
                assert tally.record(kind, date(2027, 1 + n, 1 + n))
        engine = sa.create_engine(db_url)
        try:
            with engine.connect() as conn:
                columns = [c["name"] for c in sa.inspect(conn).get_columns("referral_tally")]
                rows = conn.execute(sa.text("SELECT * FROM referral_tally")).all()
        finally:
            engine.dispose()
    assert sorted(columns) == ["count", "day", "kind"]
    assert len(rows) == len(RiskKind)  # one day per kind; "none" is stored as the default kind
    for row in rows:
        day, kind, count = (row._mapping[c] for c in ("day", "kind", "count"))
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(day)), day
        assert kind in KIND_VALUES
        assert isinstance(count, int) and count > 0
    assert sum(r._mapping["count"] for r in rows) == sum(range(1, len(RiskKind) + 1))


def test_a_referral_without_a_crisis_kind_counts_as_the_default_kind(db_url: str) -> None:
    with Tally(db_url) as tally:
        tally.add(RiskKind.NONE, DAY)
        assert tally.days(DAY, DAY) == [(DAY, "suicide_self_harm", 1)]


def test_a_count_that_cannot_be_written_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    unreachable = Tally("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert unreachable.record(RiskKind.SUICIDE_SELF_HARM, DAY) is False
    assert Tally("mysql://nowhere/none").record(RiskKind.EATING_DISORDER, DAY) is False
    assert [r.getMessage() for r in caplog.records] == [
        "A referral could not be counted (VaultError).",
        "A referral could not be counted (ConfigError).",
    ]


def test_the_day_is_the_injected_utc_day(db_url: str) -> None:
    with Tally(db_url, today=lambda: date(2028, 2, 29)) as tally:
        tally.add(RiskKind.MEDICAL_EMERGENCY)
        assert tally.year(2028).by_kind["medical_emergency"] == 1
        assert tally.days(date(2028, 2, 29), date(2028, 2, 29))[0][0] == date(2028, 2, 29)
