"""`confidante eval` on a small hand-written file in ESConv's schema."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from confidante.cli import app

CONVERSATIONS = [
    {
        "emotion_type": "sadness",
        "problem_type": "breakup",
        "dialog": [
            {"speaker": "sys", "text": "Hi, how are you?", "strategy": "Question"},
            {"speaker": "usr", "text": "Not great. My girlfriend left me last week."},
            {"speaker": "usr", "text": "I feel so sad and alone."},
            {"speaker": "sys", "text": "That sounds painful.", "strategy": "Reflection of feelings"},
            {"speaker": "usr", "text": "We were together four years and now the flat is empty."},
            {"speaker": "sys", "text": "Four years is a long time.", "strategy": "Restatement or Paraphrasing"},
            {"speaker": "usr", "text": "What should I do with all her things?"},
        ],
    },
    {
        "emotion_type": "anxiety",
        "problem_type": "job crisis",
        "dialog": [
            {"speaker": "usr", "text": "I'm worried I'm going to lose my job."},
            {"speaker": "sys", "text": "What makes you think so?", "strategy": "Question"},
            {"speaker": "usr", "text": "My boss keeps cancelling our meetings and I'm anxious all the time."},
        ],
    },
]


def test_eval_writes_a_report_and_a_plot(tmp_path: Path) -> None:
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps(c) + "\n" for c in CONVERSATIONS), encoding="utf-8")
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["eval", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text(encoding="utf-8")
    for needle in ("reflection", "question", "p50", "p99", "macro-F1"):
        assert needle.lower() in report.lower(), needle
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG")
    # The report holds figures only: no message text.
    assert "girlfriend" not in report and "boss" not in report


def test_eval_without_data_says_where_to_point_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--data", str(tmp_path / "none.jsonl")])
    assert result.exit_code != 0
    assert "--data" in str(result.exception)
