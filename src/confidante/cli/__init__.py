"""The command line: thin Typer commands over the library (chat, replay, serve, vault, eval...)."""

from __future__ import annotations

import os
import sys

import typer

from confidante.cli.audit import audit
from confidante.cli.chat import chat
from confidante.cli.eval import eval_
from confidante.cli.regulars import regulars
from confidante.cli.replay import replay
from confidante.cli.serve import serve
from confidante.cli.vault import vault_app
from confidante.errors import ConfidanteError
from confidante.hardening import forbid_core_dumps

#: Set to 1 to see the full traceback of an unexpected error (it may show what was said).
DEBUG_ENV = "CONFIDANTE_DEBUG"

app = typer.Typer(
    name="confidante",
    help="Confidante: an AI listener for an hour. It listens, reflects, and forgets.",
    no_args_is_help=True,
    add_completion=False,
    # Rich tracebacks print local variables, which could hold what a person said.
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command()(chat)
app.command()(replay)
app.command()(serve)
app.add_typer(vault_app, name="vault")
app.command()(regulars)
app.command()(audit)
app.command("eval")(eval_)


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
