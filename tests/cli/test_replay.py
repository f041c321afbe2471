"""`confidante replay`: one JSON line out per line in, bad lines answered with an error in place."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from confidante.cli import app

GOOD = [
    {"conversation_id": "a", "text": "My wife ignores me."},
    {"conversation_id": "b", "text": "I lost my job today."},
    {"conversation_id": "a", "text": "She's always on her phone."},
    {"conversation_id": "b", "text": "I want to kill myself."},
]
REPLY_KEYS = {"line", "conversation_id", "reply", "move", "risk"}


def lines(records: list[dict[str, str]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def jline(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def records(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_replay_answers_each_line_in_order_per_conversation() -> None:
    result = CliRunner().invoke(app, ["replay"], input=lines(GOOD))
    assert result.exit_code == 0, result.output
    out = records(result.stdout)
    assert [o["line"] for o in out] == [1, 2, 3, 4]
    assert [o["conversation_id"] for o in out] == ["a", "b", "a", "b"]
    assert all(set(o) == REPLY_KEYS for o in out)
    assert out[3]["move"] == "crisis" and out[3]["risk"] in ("elevated", "imminent")
    assert out[0]["risk"] == "none"


def test_replay_is_repeatable_with_a_seed() -> None:
    first = CliRunner().invoke(app, ["replay", "--seed", "4"], input=lines(GOOD)).stdout
    second = CliRunner().invoke(app, ["replay", "--seed", "4"], input=lines(GOOD)).stdout
    assert first == second


def test_replay_of_a_clean_windows_file_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "talks.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(jline(r) for r in GOOD) + b"\r\n")
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 0, result.output
    assert [o["line"] for o in records(result.stdout)] == [1, 2, 3, 4]


def test_replay_gives_one_aligned_line_per_input_line_and_exits_1(tmp_path: Path) -> None:
    secret = "zebraquartz"
    data = b"".join([
        jline(GOOD[0]) + b"\n",                                           # 1 answered
        b'{"conversation_id": "a", "text": "' + secret.encode() + b'\n',  # 2 bad JSON
        jline({"conversation_id": "a", "text": " "}) + b"\n",             # 3 empty text
        b'{"conversation_id": "a", "text": "' + secret.encode() + b' \xff\xfe"}\n',  # 4 not UTF-8
        jline(GOOD[1]) + b"\r",                                           # 5 answered, bare \r
        jline({"conversation_id": "b", "text": "Iâ€™m so tired"}) + b"\r\n",  # 6 answered
        jline({"conversation_id": "a", "text": (secret + " ") * 900}) + b"\n",  # 7 oversize
        jline({"conversation_id": "a", "text": "lone \ud800 half"}) + b"\n",  # 8 binary
        jline({"conversation_id": "a", "text": 7}) + b"\n",              # 9 text not a string
        jline(GOOD[2]),                                                   # 10 answered, no end
    ])
    path = tmp_path / "talks.jsonl"
    path.write_bytes(data)
    proc = subprocess.run(
        [sys.executable, "-m", "confidante", "replay", str(path)],
        capture_output=True, timeout=120,
    )
    assert proc.returncode == 1
    out = records(proc.stdout.decode("utf-8"))
    assert [o["line"] for o in out] == list(range(1, 11))
    failed = [o["line"] for o in out if "error" in o]
    assert failed == [2, 3, 4, 7, 8, 9]
    assert all(set(out[n - 1]) == REPLY_KEYS for n in (1, 5, 6, 10))
    assert [out[n - 1]["conversation_id"] for n in (1, 5, 6, 10)] == ["a", "b", "b", "a"]
    assert "not valid JSON" in out[1]["error"] and "conversation_id" not in out[1]
    assert "empty" in out[2]["error"] and out[2]["conversation_id"] == "a"
    assert "UTF-8" in out[3]["error"]
    assert "characters long" in out[6]["error"]
    assert "parts" in out[6]["error"] and out[6]["conversation_id"] == "a"
    assert "plain text" in out[7]["error"]
    assert '"text"' in out[8]["error"] and out[8]["conversation_id"] == "a"
    assert "6 of 10 lines" in proc.stderr.decode()
    assert secret.encode() not in proc.stdout + proc.stderr  # errors never quote the message


def test_replay_answers_a_blank_line_in_place() -> None:
    result = CliRunner().invoke(app, ["replay"], input=lines(GOOD[:1]) + "  \n" + lines(GOOD[1:2]))
    assert result.exit_code == 1
    out = records(result.stdout)
    assert [o["line"] for o in out] == [1, 2, 3]
    assert "blank line" in out[1]["error"]


def test_replay_of_nothing_exits_0() -> None:
    result = CliRunner().invoke(app, ["replay"], input=b"")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_replay_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0
    assert "does not exist" in result.output
