"""`confidante replay`: JSON lines in and out, bad lines named by number, the run goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from confidante.cli import app

GOOD = [
    {"conversation_id": "a", "text": "My wife ignores me."},
    {"conversation_id": "b", "text": "I lost my job today."},
    {"conversation_id": "a", "text": "She's always on her phone."},
    {"conversation_id": "b", "text": "I want to kill myself."},
]


def lines(records: list[dict[str, str]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def test_replay_answers_each_line_in_order_per_conversation() -> None:
    result = CliRunner().invoke(app, ["replay"], input=lines(GOOD))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["conversation_id"] for o in out] == ["a", "b", "a", "b"]
    assert set(out[0]) == {"conversation_id", "reply", "move", "risk"}
    assert out[3]["move"] == "crisis" and out[3]["risk"] in ("elevated", "imminent")
    assert out[0]["risk"] == "none"


def test_replay_is_repeatable_with_a_seed() -> None:
    first = CliRunner().invoke(app, ["replay", "--seed", "4"], input=lines(GOOD)).stdout
    second = CliRunner().invoke(app, ["replay", "--seed", "4"], input=lines(GOOD)).stdout
    assert first == second


def test_replay_names_bad_lines_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "talks.jsonl"
    path.write_text(
        lines(GOOD[:1])
        + "this is not json\n"
        + json.dumps({"conversation_id": "a"}) + "\n"
        + json.dumps({"conversation_id": "a", "text": ""}) + "\n"
        + json.dumps(["a", "list"]) + "\n"
        + json.dumps({"conversation_id": "a", "text": "x" * 9000}) + "\n"
        + lines(GOOD[2:3]),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "confidante", "replay", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 2
    errors = proc.stderr.splitlines()
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert "not valid JSON" in errors[0]
    assert "text" in errors[1]
    assert "empty" in errors[2]
    assert "xxxx" not in proc.stderr  # errors never quote the message


def test_replay_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0
    assert "does not exist" in result.output
