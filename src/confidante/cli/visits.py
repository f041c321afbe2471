"""``confidante regulars``: the operator's view of the vault, handles and visits only."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from confidante.cli.vault import DatabaseUrl, fail, open_vault, say
from confidante.errors import ConfidanteError


def regulars(
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the regulars: handle, visit count, first and last month. Nothing else is readable.

    Example:

        confidante regulars --json
    """
    with open_vault(database_url) as vault:
        try:
            infos = vault.regulars()
        except ConfidanteError as err:
            raise fail(str(err)) from None
    if as_json:
        rows = [
            {
                "handle": i.handle,
                "visits": i.visits,
                "first_month": i.first_month,
                "last_month": i.last_month,
            }
            for i in infos
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    if not infos:
        typer.echo(say("regulars.none"))
        return
    header = say(
        "regulars.row",
        handle=say("regulars.column_handle"),
        visits=say("regulars.column_visits"),
        first=say("regulars.column_first"),
        last=say("regulars.column_last"),
    )
    typer.echo(header.rstrip())
    for info in infos:
        row = say(
            "regulars.row",
            handle=info.handle,
            visits=info.visits,
            first=info.first_month,
            last=info.last_month,
        )
        typer.echo(row.rstrip())
    one = len(infos) == 1
    typer.echo(say("regulars.footer_one") if one else say("regulars.footer", count=len(infos)))
