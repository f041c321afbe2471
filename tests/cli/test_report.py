"""``confidante report``: the year's referrals from the tally, as text and JSON, matching the server."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.server.conftest import CANARIES
from typer.testing import CliRunner

from confidante import Listener, ManualClock, Settings
from confidante.cli import app
from confidante.conversation import RiskKind
from confidante.server import create_app
from confidante.server.store import MemoryStore
from confidante.vault.tally import Tally

runner = CliRunner()


def test_report_prints_the_years_totals_as_text(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vault.sqlite3'}"
    with Tally(url) as tally:
        for kind in (RiskKind.SUICIDE_SELF_HARM, RiskKind.SUICIDE_SELF_HARM, RiskKind.THIRD_PARTY):
            tally.add(kind, date(2027, 6, 1))
        tally.add(RiskKind.EATING_DISORDER, date(2028, 1, 1))  # next year: not in 2027's report
    result = runner.invoke(app, ["report", "--year", "2027", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Crisis referrals in 2027 (UTC days 2027-01-01 to 2027-12-31): 3\n"
        "  Suicide and self-harm                       2\n"
        "  Eating disorder                             0\n"
        "  Danger from others (abuse, violence)        0\n"
        "  Danger to others                            0\n"
        "  Medical emergency                           0\n"
        "  Someone else at risk (third party)          1\n"
        "A referral is a turn that opened a crisis episode and gave human help (a crisis line or "
        "emergency number). Counts only: no message, person, session or time of day is kept. "
        "See docs/PROTOCOL.md.\n"
    )


def test_report_of_an_empty_database_is_all_zeros(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vault.sqlite3'}"
    result = runner.invoke(app, ["report", "--year", "2027", "--json", "--database-url", url])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["total"] == 0 and set(found["by_kind"].values()) == {0}


def test_report_matches_the_referrals_made_through_the_server(
    listener: Listener, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'vault.sqlite3'}"
    settings = Settings(locale="en_US", database_url=url)
    app_ = create_app(settings, listener, clock=ManualClock(1_000_000.0), store=MemoryStore())
    conversations = [
        # One episode: the turns after the one that opened it are no new referral.
        [f"My friend {CANARIES[0]} ignores me.", "I want to kill myself.", "Still here."],
        ["I make myself sick after every meal now. Even after a yoghurt"],
        [f"Work with {CANARIES[1]} was long today.", "I went on a diet and joined a gym."],
        ["I want to kill myself."],
    ]
    year = datetime.now(UTC).year
    with TestClient(app_, base_url="http://localhost") as client:
        for texts in conversations:
            created = client.post("/api/sessions", json={})
            assert created.status_code == 201, created.text
            token = created.json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            client.post("/api/session/start", json={"relief": 5}, headers=headers)
            for text in texts:
                response = client.post(
                    "/api/session/messages", json={"text": text}, headers=headers
                )
                assert response.status_code == 200, response.text
    # The same conversations through the library: the referrals the sessions made.
    made: Counter[str] = Counter()
    for texts in conversations:
        session = listener.session(rng=random.Random(0))
        session.disclosure()
        session.set_relief_before(5)
        session.open()
        for text in texts:
            reply = session.respond(text)
            if reply.referral:
                made[reply.kind.value] += 1
    assert made == {"suicide_self_harm": 2, "eating_disorder": 1}
    result = runner.invoke(app, ["report", "--year", str(year), "--json", "--database-url", url])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["total"] == sum(made.values())
    assert {k: v for k, v in found["by_kind"].items() if v} == made
    # Nothing a person said reached the database file's tally.
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT day, kind, count FROM referral_tally")).all()
    engine.dispose()
    stored = repr(rows)
    for secret in (*CANARIES, "kill", "sick", "yoghurt"):
        assert secret not in stored


def test_the_terminal_chat_counts_its_referrals_when_a_database_is_set(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vault.sqlite3'}"
    talk = "5\nI want to kill myself.\nStill here.\n/end\n\n\n"
    env = {"CONFIDANTE_DATABASE_URL": url}
    year = datetime.now(UTC).year
    for _ in range(2):
        chat = runner.invoke(app, ["chat", "--locale", "en_US", "--seed", "1"], input=talk, env=env)
        assert chat.exit_code == 0, chat.output
    result = runner.invoke(app, ["report", "--year", str(year), "--json", "--database-url", url])
    assert json.loads(result.output)["by_kind"]["suicide_self_harm"] == 2
