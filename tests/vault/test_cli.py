"""``confidante vault``, ``regulars`` and ``audit`` through Typer, registered as the main CLI does."""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from confidante.cli.audit import audit
from confidante.cli.vault import vault_app
from confidante.cli.visits import regulars
from confidante.vault import KdfParams, Vault

PASSPHRASE = "correct horse battery"
NOTE = "We talked about the move.\nAnd my sister."

app = typer.Typer(context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(vault_app, name="vault")
app.command()(regulars)
app.command()(audit)


def run(*args: str, input: str = "") -> Result:
    return CliRunner().invoke(app, list(args), input=input)


@pytest.fixture
def handle(isolated_home: Path) -> str:
    """A regular in the default vault (the user directory), with cheap KDF costs."""
    with Vault(kdf=KdfParams(time_cost=1, memory_kib=1024, parallelism=1)) as vault:
        made, _ = vault.create(NOTE, ["anxious"], ["family"], PASSPHRASE)
        month = vault.open(made, PASSPHRASE).first_month
    assert month
    return made


def month_of(handle: str) -> str:
    with Vault() as vault:
        return vault.open(handle, PASSPHRASE).first_month


def test_show_prints_the_record_after_a_hidden_prompt(handle: str) -> None:
    result = run("vault", "show", handle, input=PASSPHRASE + "\n")
    month = month_of(handle)
    assert result.exit_code == 0
    assert result.output == (
        "Passphrase or recovery phrase: \n"
        f"Handle: {handle}\n"
        f"Visits: 1 (first {month}, last {month})\n"
        "Note:\n"
        "  We talked about the move.\n"
        "  And my sister.\n"
        "Feelings: anxious\n"
        "Topics: family\n"
    )
    assert PASSPHRASE not in result.output


def test_a_wrong_passphrase_is_one_line_without_the_note(handle: str) -> None:
    result = run("vault", "show", handle, input="not my passphrase\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: That passphrase or recovery phrase does not open")
    assert "sister" not in result.output
    assert "Traceback" not in result.output


def test_an_unknown_handle_says_what_to_do(isolated_home: Path) -> None:
    result = run("vault", "show", "willow-lantern-0427", "--passphrase-stdin", input="whatever1\n")
    assert result.exit_code == 1
    assert "check its spelling" in result.stderr


def test_passphrase_from_stdin(handle: str) -> None:
    result = run("vault", "show", handle, "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert result.exit_code == 0
    assert "Passphrase" not in result.output and "  And my sister." in result.output
    empty = run("vault", "show", handle, "--passphrase-stdin", input="")
    assert empty.exit_code == 1 and "No passphrase was given" in empty.stderr


def test_edit_keeps_replaces_and_clears_without_counting_a_visit(handle: str) -> None:
    result = run("vault", "edit", handle, input=f"{PASSPHRASE}\nA shorter note.\n\n-\n")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Saved. The note stays locked with your passphrase.\n")
    with Vault() as vault:
        record = vault.open(handle, PASSPHRASE)
    assert (record.note, record.feelings, record.topics, record.visits) == (
        "A shorter note.",
        ("anxious",),
        (),
        1,
    )


def test_export_prints_json(handle: str) -> None:
    result = run("vault", "export", handle, "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["format"], data["note"], data["feelings"]) == (
        "confidante.regular/1",
        NOTE,
        ["anxious"],
    )


def test_export_to_a_new_private_file_and_never_over_one(handle: str, tmp_path: Path) -> None:
    out = tmp_path / "mine.json"
    result = run("vault", "export", handle, "-o", str(out), input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["note"] == NOTE
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "not encrypted" in result.stderr
    again = run("vault", "export", handle, "-o", str(out), input=PASSPHRASE + "\n")
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_forget_asks_first_then_forgets(handle: str) -> None:
    declined = run("vault", "forget", handle, input=f"{PASSPHRASE}\nn\n")
    assert declined.exit_code == 1
    assert [i.handle for i in Vault().regulars()] == [handle]
    result = run("vault", "forget", handle, input=f"{PASSPHRASE}\ny\n")
    assert result.exit_code == 0
    assert result.output.endswith("Forgotten. The record is deleted and cannot be recovered.\n")
    assert run("regulars").output == "No regulars yet.\n"


def test_forget_with_a_wrong_passphrase_keeps_the_record(handle: str) -> None:
    result = run("vault", "forget", handle, "--yes", input="wrong passphrase\n")
    assert result.exit_code == 1
    assert [i.handle for i in Vault().regulars()] == [handle]


NEW = "a different staple entirely"


def test_passphrase_asks_for_the_current_one_then_the_new_one_twice(handle: str) -> None:
    result = run("vault", "passphrase", handle, input=f"{PASSPHRASE}\n{NEW}\n{NEW}\n")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Current passphrase or recovery phrase: \n"
        "New passphrase (at least 8 characters): \n"
        "New passphrase again: \n"
        "Changed. Only the new passphrase opens your record now; "
        "the old passphrase or recovery phrase no longer does.\n"
    )
    assert run("vault", "show", handle, input=PASSPHRASE + "\n").exit_code == 1
    shown = run("vault", "show", handle, input=NEW + "\n")
    assert shown.exit_code == 0 and "  And my sister." in shown.output


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (f"wrong passphrase\n{NEW}\n{NEW}\n", "Error: That passphrase or recovery phrase does"),
        (f"{PASSPHRASE}\n{NEW}\n{NEW}!\n", "Error: The two new passphrases differ"),
        (f"{PASSPHRASE}\nshort\nshort\n", "Error: A passphrase needs at least 8 characters"),
        (f"{PASSPHRASE}\n{PASSPHRASE}\n{PASSPHRASE}\n", "Error: The new passphrase is the same"),
    ],
)
def test_passphrase_refusals_are_one_line_and_change_nothing(
    handle: str, typed: str, message: str
) -> None:
    result = run("vault", "passphrase", handle, input=typed)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1
    assert "sister" not in result.output and "Traceback" not in result.output
    assert month_of(handle)  # the old passphrase still opens the record


def test_passphrase_from_stdin_reads_the_current_and_the_new_line(handle: str) -> None:
    result = run(
        "vault", "passphrase", handle, "--passphrase-stdin", input=f"{PASSPHRASE}\n{NEW}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Passphrase" not in result.output and result.output.startswith("Changed.")
    with Vault() as vault:
        assert vault.open(handle, NEW).note == NOTE
    empty = run("vault", "passphrase", handle, "--passphrase-stdin", input=f"{NEW}\n\n")
    assert empty.exit_code == 1 and "new passphrase is empty" in empty.stderr


def test_regulars_shows_handles_and_visits_but_no_note(handle: str) -> None:
    month = month_of(handle)
    result = run("regulars")
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == [
        "handle                      visits  first    last",
        f"{handle:<26}  {1:>6}  {month}  {month}",
    ]
    assert "sister" not in result.output and "anxious" not in result.output
    as_json = json.loads(run("regulars", "--json").output)
    assert as_json == [{"handle": handle, "visits": 1, "first_month": month, "last_month": month}]


def test_audit_is_clean_on_the_vault_and_fails_on_a_leak(handle: str, isolated_home: Path) -> None:
    word = "canary" + secrets.token_hex(6)
    clean = run("audit", "--canary", word)
    assert clean.exit_code == 0
    assert clean.output.startswith("Clean: no canary and no readable conversation text in ")
    (isolated_home / "debug.log").write_text(f"DEBUG said={word}\n")
    leaked = run("audit", str(isolated_home), "-c", word)
    assert leaked.exit_code == 1
    assert leaked.output.splitlines()[0] == f"debug.log:11: canary '{word}' (utf-8)"
    report = json.loads(run("audit", str(isolated_home), "-c", word, "--json").output)
    assert report["clean"] is False and report["findings"][0]["offset"] == 11


@pytest.mark.parametrize(
    "command",
    [
        ["vault", "show"],
        ["vault", "edit"],
        ["vault", "export"],
        ["vault", "forget"],
        ["vault", "passphrase"],
        ["regulars"],
        ["audit"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    for flag in ("--help", "-h"):
        result = run(*command, flag)
        assert result.exit_code == 0
        assert "Example" in result.output


def test_passphrase_checks_in_the_order_a_person_types(handle: str) -> None:
    wrong = run("vault", "passphrase", handle, input=f"wrong passphrase\n{NEW}\n{NEW}\n")
    assert wrong.exit_code == 1
    assert "New passphrase" not in wrong.output  # refused before the new one was asked for
    short = run("vault", "passphrase", handle, input=f"{PASSPHRASE}\nshort\nshort\n")
    assert short.exit_code == 1 and "at least 8 characters" in short.stderr
    assert "again" not in short.output  # refused before it was asked a second time


def test_forget_from_stdin_without_yes_says_yes_is_needed(handle: str) -> None:
    result = run("vault", "forget", handle, "--passphrase-stdin", input=PASSPHRASE + "\n")
    assert result.exit_code == 1
    assert "add --yes" in result.stderr and "Aborted" not in result.output
    assert [i.handle for i in Vault().regulars()] == [handle]  # nothing was forgotten
    done = run("vault", "forget", handle, "--passphrase-stdin", "--yes", input=PASSPHRASE + "\n")
    assert done.exit_code == 0 and Vault().regulars() == []


def test_one_regular_is_one_regular(handle: str) -> None:
    assert run("regulars").output.splitlines()[-1].startswith("1 regular. ")
