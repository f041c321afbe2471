"""Every command has --help (and -h) with an example; errors are one clear line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from confidante.cli import app


def all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: Any, prefix: list[str]) -> None:
        paths.append(prefix)
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            for name, sub in cmd.commands.items():
                walk(sub, [*prefix, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "confidante")
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    if not hasattr(cmd, "commands"):
        assert "Example" in result.output, f"{' '.join(path)} --help shows no example"
    assert CliRunner().invoke(app, [*path, "-h"]).exit_code == 0


def test_the_main_commands_are_there() -> None:
    names = {p[0] for p in all_commands() if p}
    assert {"chat", "replay"} <= names


def test_a_bad_setting_is_one_line_saying_what_to_fix() -> None:
    env = dict(os.environ, CONFIDANTE_MINUTES="an hour")
    proc = subprocess.run([sys.executable, "-m", "confidante", "replay"], input="", env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error: CONFIDANTE_MINUTES")
    assert "Traceback" not in proc.stderr


def test_no_command_prints_the_help_and_exits_0() -> None:
    proc = subprocess.run([sys.executable, "-m", "confidante"], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: ") and "confidante [OPTIONS] COMMAND" in proc.stdout
    assert "chat" in proc.stdout and "Example" in proc.stdout


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "confidante")
def test_help_has_no_flag_labels_or_stray_spaces(path: list[str]) -> None:
    text = CliRunner().invoke(app, [*path, "--help"], terminal_width=80).output
    assert "<bool>" not in text
    assert re.search(r"[\w)\]]\s+\.(\s|$)", text) is None  # no "in minutes ." left by markup


def test_chat_help_says_the_defaults_in_words() -> None:
    text = " ".join(CliRunner().invoke(app, ["chat", "--help"]).output.split())
    assert "Length of the session in minutes (default 60)." in text
    assert "such as en_GB (default: the system's)." in text
