"""``confidante audit``: look through a data directory for conversation left in the clear."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from confidante.cli.vault import fail, say
from confidante.errors import ConfidanteError
from confidante.paths import user_dir
from confidante.vault import audit_dir
from confidante.vault.audit import DEFAULT_EXPECTED_TEXT

#: Exit status when some files could not be read but nothing was found in the rest.
INCOMPLETE_EXIT = 2


def audit(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Data directory (or one file) to search; by default the user directory.",
            show_default=False,
        ),
    ] = None,
    canary: Annotated[
        list[str] | None,
        typer.Option(
            "--canary",
            "-c",
            help="A word planted in a test conversation to search for; repeat for more.",
        ),
    ] = None,
    text: Annotated[
        bool,
        typer.Option(
            "--text/--no-text", help="Also look for runs of readable English (a heuristic)."
        ),
    ] = True,
    expect_text: Annotated[
        list[str] | None,
        typer.Option(
            "--expect-text",
            help="Glob of files that are plain text by design (only canaries are searched in "
            f"them); repeat for more. Default: {', '.join(DEFAULT_EXPECTED_TEXT)}.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Search a data directory for canaries or readable conversation; exit 1 on any finding.

    Every file is searched, database files with their -wal and -shm, logs and caches included.
    Findings give the file, byte offset and canary, never the text found.

    Example:

        confidante audit ~/.local/share/confidante --canary bluebird4417
    """
    root = directory if directory is not None else user_dir(create=False)
    try:
        report = audit_dir(
            root,
            canary or (),
            text=text,
            expected_text=tuple(expect_text) if expect_text else DEFAULT_EXPECTED_TEXT,
        )
    except ConfidanteError as err:
        raise fail(str(err)) from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "root": str(report.root),
                    "files": report.files,
                    "clean": report.clean,
                    "findings": [f.__dict__ for f in report.findings],
                    "unreadable": list(report.unreadable),
                },
                indent=2,
            )
        )
    else:
        for finding in report.findings:
            typer.echo(finding.describe())
        for path in report.unreadable:
            typer.echo(say("audit.unreadable", path=path), err=True)
        if report.clean:
            typer.echo(say("audit.clean", files=report.files, root=root))
        else:
            typer.echo(
                say("audit.found", count=len(report.findings), files=report.files, root=root)
            )
        if report.unreadable:
            typer.echo(say("audit.incomplete", count=len(report.unreadable)), err=True)
    if not report.clean:
        raise typer.Exit(1)
    if report.unreadable:
        raise typer.Exit(INCOMPLETE_EXIT)
