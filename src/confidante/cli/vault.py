"""``confidante vault``: a regular sees, edits, exports or forgets what is remembered, or changes
the passphrase that locks it.

Every command asks for the passphrase (or recovery phrase) with hidden input, or reads it from the
first line of standard input with ``--passphrase-stdin`` (``passphrase`` reads the new one from the
second line). Notes are never taken as arguments, so they stay out of shell history and the
process list, and are never written to a temporary file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from confidante.datafiles import load_toml, text_at
from confidante.errors import ConfidanteError
from confidante.vault import RegularRecord, Vault
from confidante.vault.phrases import MIN_PASSPHRASE_CHARS, check_new_passphrase

_WORDING = "wording.toml"

vault_app = typer.Typer(
    help="See, edit, export or forget what Confidante remembers for a regular, or change its "
    "passphrase.",
    no_args_is_help=True,
)

Handle = Annotated[str, typer.Argument(help="Your handle, as shown when you were remembered.")]
PassphraseStdin = Annotated[
    bool,
    typer.Option(
        "--passphrase-stdin",
        help="Read the passphrase from the first line of standard input instead of asking.",
    ),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="CONFIDANTE_DATABASE_URL",
        show_default=False,
        help="Vault database URL; by default the SQLite file in the user directory.",
    ),
]


def say(key: str, /, **slots: object) -> str:
    """Reviewed wording from ``vault/wording.toml`` at dotted ``key``, slots filled in."""
    text = text_at(load_toml("confidante.vault", _WORDING), key, f"vault/{_WORDING}")
    return text.format(**slots) if slots else text


def fail(message: str) -> typer.Exit:
    """Print ``Error: message`` on stderr; raise the returned Exit to stop with status 1.

    Typer vendors Click since 0.26, so a ``click.ClickException`` from the separate click package
    would not be caught and shown; this is the same one line and status, through Typer's own API.
    """
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(1)


def open_vault(database_url: str | None) -> Vault:
    """The vault at ``database_url`` (or the default), with errors made one clear line."""
    try:
        return Vault(database_url or None)
    except ConfidanteError as err:
        raise fail(str(err)) from None


def read_passphrase(from_stdin: bool, question: str = "vault.passphrase") -> str:
    """Ask with hidden input (the wording at key ``question``), or take the first line of stdin."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise fail(say("vault.no_passphrase"))
        return line
    answer: str = typer.prompt(say(question), hide_input=True)
    return answer


@vault_app.command()
def show(
    handle: Handle, passphrase_stdin: PassphraseStdin = False, database_url: DatabaseUrl = None
) -> None:
    """Show what is remembered for you: the note, feelings, topics and visits.

    Example:

        confidante vault show willow-lantern-0427
    """
    passphrase = read_passphrase(passphrase_stdin)
    with open_vault(database_url) as vault:
        try:
            record = vault.open(handle, passphrase)
        except ConfidanteError as err:
            raise fail(str(err)) from None
    _print_record(record)


@vault_app.command()
def edit(
    handle: Handle, passphrase_stdin: PassphraseStdin = False, database_url: DatabaseUrl = None
) -> None:
    """Change the remembered note, feelings or topics (asks for each; Enter keeps it).

    Example:

        confidante vault edit willow-lantern-0427
    """
    passphrase = read_passphrase(passphrase_stdin)
    with open_vault(database_url) as vault:
        try:
            record = vault.open(handle, passphrase)
            _print_record(record)
            note = _ask_text(say("vault.edit_note"), record.note)
            feelings = _ask_list(say("vault.edit_feelings"), record.feelings)
            topics = _ask_list(say("vault.edit_topics"), record.topics)
            vault.update(handle, passphrase, note, feelings, topics, visit=False)
        except ConfidanteError as err:
            raise fail(str(err)) from None
    typer.echo(say("vault.saved"))


@vault_app.command()
def export(
    handle: Handle,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the JSON to this new file (created private, 0600) instead of printing it.",
        ),
    ] = None,
    passphrase_stdin: PassphraseStdin = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Export everything remembered for you as JSON, to keep or to move elsewhere.

    Example:

        confidante vault export willow-lantern-0427 --output my-note.json
    """
    passphrase = read_passphrase(passphrase_stdin)
    with open_vault(database_url) as vault:
        try:
            data = vault.export(handle, passphrase)
        except ConfidanteError as err:
            raise fail(str(err)) from None
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise fail(say("vault.export_exists", path=output)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    typer.echo(say("vault.exported", path=output), err=True)


@vault_app.command()
def passphrase(
    handle: Handle,
    passphrase_stdin: Annotated[
        bool,
        typer.Option(
            "--passphrase-stdin",
            help="Read the current passphrase from the first line of standard input and the new "
            "one from the second, instead of asking.",
        ),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Change the passphrase that opens your record; the note itself stays as it is.

    Example:

        confidante vault passphrase willow-lantern-0427
    """
    # Checked in the order a person types: the current passphrase opens the record before the
    # new one is asked for, and the new one's length is checked before it is asked again.
    current = read_passphrase(passphrase_stdin, "vault.current_passphrase")
    with open_vault(database_url) as vault:
        try:
            vault.open(handle, current)
            new = _read_new_passphrase(passphrase_stdin, current)
            vault.change_passphrase(handle, current, new)
        except ConfidanteError as err:
            raise fail(str(err)) from None
    typer.echo(say("vault.passphrase_changed"))


@vault_app.command()
def forget(
    handle: Handle,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    passphrase_stdin: PassphraseStdin = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Forget everything remembered for you; nothing can be recovered afterwards.

    Example:

        confidante vault forget willow-lantern-0427
    """
    if passphrase_stdin and not yes:
        # The confirmation would be read from the same piped input as the passphrase.
        raise fail(say("vault.forget_needs_yes"))
    passphrase = read_passphrase(passphrase_stdin)
    if not yes:
        typer.confirm(say("vault.forget_confirm", handle=handle), abort=True)
    with open_vault(database_url) as vault:
        try:
            vault.forget(handle, passphrase)
        except ConfidanteError as err:
            raise fail(str(err)) from None
    typer.echo(say("vault.forgotten"))


def _read_new_passphrase(from_stdin: bool, current: str) -> str:
    """The new passphrase: asked twice with hidden input, or the second line of standard input;
    one too short (or unchanged) is refused before it is asked again."""
    if from_stdin:
        # An empty line passes through: the vault refuses it with the reason and what to do.
        return sys.stdin.readline().rstrip("\r\n")
    new: str = typer.prompt(say("vault.new_passphrase", min=MIN_PASSPHRASE_CHARS), hide_input=True)
    check_new_passphrase(current, new)
    # Our own second prompt, not Click's confirmation loop, so its wording is reviewed with ours.
    again: str = typer.prompt(say("vault.new_passphrase_again"), hide_input=True)
    if again != new:
        raise fail(say("vault.new_passphrase_mismatch"))
    return new


def _print_record(record: RegularRecord) -> None:
    none = say("vault.none")
    typer.echo(say("vault.handle", handle=record.handle))
    typer.echo(
        say(
            "vault.visits",
            visits=record.visits,
            first_month=record.first_month,
            last_month=record.last_month,
        )
    )
    if record.note:
        typer.echo(say("vault.note"))
        for line in record.note.splitlines():
            typer.echo(f"  {line}")
    else:
        typer.echo(say("vault.no_note"))
    typer.echo(say("vault.feelings", feelings=", ".join(record.feelings) or none))
    typer.echo(say("vault.topics", topics=", ".join(record.topics) or none))


def _ask_change(question: str) -> str | None:
    """None keeps the current value, "" clears it, anything else replaces it."""
    answer: str = typer.prompt(question, default="", show_default=False)
    answer = answer.strip()
    if not answer:
        return None
    return "" if answer == "-" else answer


def _ask_text(question: str, current: str) -> str:
    answer = _ask_change(question)
    return current if answer is None else answer


def _ask_list(question: str, current: tuple[str, ...]) -> list[str]:
    answer = _ask_change(question)
    if answer is None:
        return list(current)
    return [part.strip() for part in answer.split(",") if part.strip()]
