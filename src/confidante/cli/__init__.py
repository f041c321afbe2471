"""The command line: thin Typer commands over the library (chat, replay, serve, vault, eval...)."""

from __future__ import annotations

import os
import sys

import typer

from confidante.cli.audit import audit
from confidante.cli.chat import chat
from confidante.cli.eval import eval_
from confidante.cli.replay import replay
from confidante.cli.report import report
from confidante.cli.serve import serve
from confidante.cli.vault import vault_app
from confidante.cli.visits import regulars
from confidante.errors import ConfidanteError
from confidante.hardening import forbid_core_dumps

#: Set to 1 to see the full traceback of an unexpected error (it may show what was said).
DEBUG_ENV = "CONFIDANTE_DEBUG"

app = typer.Typer(
    name="confidante",
    # No command prints the help and exits 0 (click's no_args_is_help exits 2, as for an error).
    invoke_without_command=True,
    add_completion=False,
    # Rich tracebacks print local variables, which could hold what a person said.
    pretty_exceptions_enable=False,
    # Plain help, as click prints it: no "<bool>" label on flags, and brackets are not markup.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Confidante: an AI listener for an hour. It listens, reflects, and forgets.

    Example usage:

        confidante chat
    """
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


app.command()(chat)
app.command()(replay)
app.command()(serve)
app.add_typer(vault_app, name="vault")
app.command()(regulars)
app.command()(audit)
app.command("eval")(eval_)
app.command()(report)


def main() -> None:
    """Run the command line; our errors become one clear line, never a traceback."""
    forbid_core_dumps()
    try:
        app()
    except ConfidanteError as err:
        typer.echo(f"Error: {err}", err=True)
        sys.exit(1)
    except Exception as err:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        # Only the type is named: an exception's message could quote user text.
        typer.echo(
            f"Error: Confidante stopped on an unexpected {type(err).__name__}. Nothing was kept. "
            f"Run again with {DEBUG_ENV}=1 to see details, and report it without your messages.",
            err=True,
        )
        sys.exit(1)
