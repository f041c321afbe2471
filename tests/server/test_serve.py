"""``confidante serve``: 127.0.0.1 by default (and the help says why), no address in any log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from confidante.cli.serve import serve
from confidante.server.logconfig import NoAddresses, log_config


def app() -> typer.Typer:
    cli = typer.Typer()
    cli.command()(serve)
    return cli


def test_serve_binds_this_machine_only_and_keeps_no_access_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(kw))
    result = CliRunner().invoke(app(), [])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8000
    assert seen["access_log"] is False and seen["proxy_headers"] is False
    assert seen["server_header"] is False
    assert "http://127.0.0.1:8000/" in result.output


def test_the_help_says_why_it_binds_127_0_0_1() -> None:
    result = CliRunner().invoke(app(), ["--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "only this machine" in result.output


def test_uvicorn_lines_that_name_an_address_are_dropped() -> None:
    def record(msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, msg, args, None)

    quiet = NoAddresses()
    assert not quiet.filter(record('%s - "WebSocket %s" [accepted]', "10.1.2.3:5555", "/x"))
    assert not quiet.filter(record('%s - "WebSocket %s" 403', "10.1.2.3:5555", "/x"))
    assert quiet.filter(record("Application startup complete."))
    config = log_config()
    assert config["handlers"]["default"]["filters"] == ["no_addresses"]
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
