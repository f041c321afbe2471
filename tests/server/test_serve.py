"""``confidante serve``: 127.0.0.1 by default (and the help says why), no address in any log."""

from __future__ import annotations

import logging
import os
import re
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
    words = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())  # across wrapped lines
    assert "127.0.0.1" in words and "only this machine" in words


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


def test_one_worker_serves_the_app_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from fastapi import FastAPI

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(app=application, **kw))
    assert CliRunner().invoke(app(), []).exit_code == 0
    assert isinstance(seen["app"], FastAPI) and "workers" not in seen


def test_several_workers_need_redis_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    monkeypatch.delenv("CONFIDANTE_REDIS_URL", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: pytest.fail("started without Redis"))
    result = CliRunner().invoke(app(), ["--workers", "2"], terminal_width=200)
    assert result.exit_code == 2
    assert "CONFIDANTE_REDIS_URL" in result.output and "--workers" in result.output


def test_several_workers_each_build_the_app_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import uvicorn

    from confidante.cli.serve import worker_app

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(app=application, **kw))
    monkeypatch.setenv("CONFIDANTE_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CONFIDANTE_ADDRESS_KEY_FILE", str(tmp_path / "address.key"))
    monkeypatch.delenv("CONFIDANTE_LOG_REQUESTS", raising=False)  # serve sets it for workers
    result = CliRunner().invoke(app(), ["--workers", "3", "--log-requests"])
    assert result.exit_code == 0, result.output
    assert seen["app"] == "confidante.cli.serve:worker_app" and seen["factory"] is True
    assert seen["workers"] == 3 and seen["host"] == "127.0.0.1"
    assert seen["timeout_worker_healthcheck"] >= 30  # a worker takes seconds to load
    assert seen["access_log"] is False and seen["proxy_headers"] is False
    assert os.environ["CONFIDANTE_LOG_REQUESTS"] == "1"  # how --log-requests reaches a worker
    built = worker_app()  # what each worker process runs
    assert built.state.services.desk.store_name == "redis"


def test_engine_workers_are_gone_and_the_error_says_what_instead() -> None:
    result = CliRunner().invoke(app(), ["--engine-workers", "2"], terminal_width=200)
    assert result.exit_code == 2
    assert "--workers" in result.output and "CONFIDANTE_REDIS_URL" in result.output


def test_only_the_named_load_balancer_may_name_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: seen.update(kw))
    args = ["--host", "10.0.0.5", "--forwarded-allow-ips", "10.0.0.2"]
    assert CliRunner().invoke(app(), args).exit_code == 0
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "10.0.0.2"
