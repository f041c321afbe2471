"""``confidante report``: the yearly count of crisis referrals a regulator asks for, counts only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from confidante.cli.vault import DatabaseUrl, fail, say
from confidante.errors import ConfidanteError
from confidante.vault.tally import Tally


def report(
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            "-y",
            min=2000,
            max=9999,
            help="Calendar year, by UTC days (default: this year).",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Print the year's crisis referrals, in total and by kind (no identifiers are stored).

    Example usage:

        confidante report --year 2027

        confidante report --year 2027 --json
    """
    chosen = year or datetime.now(UTC).year
    try:
        with Tally(database_url or None) as tally:
            totals = tally.year(chosen)
    except ConfidanteError as err:
        raise fail(str(err)) from None
    if as_json:
        typer.echo(json.dumps(totals.to_dict(), indent=2))
        return
    found = totals.to_dict()
    typer.echo(say("report.title", year=chosen, start=found["from"], end=found["to"],
                   total=totals.total))  # fmt: skip
    for kind, count in totals.by_kind.items():
        typer.echo(say("report.row", label=say(f"report.{kind}"), count=count).rstrip())
    typer.echo(say("report.footer"))
