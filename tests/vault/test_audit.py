"""The discretion audit finds planted canaries and readable text, and is quiet on a clean vault."""

from __future__ import annotations

import base64
import gzip
import os
import secrets
from pathlib import Path
from typing import Any

import pytest

from confidante.errors import InputError
from confidante.vault import Finding, KdfParams, Vault, audit_dir

FAST = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
CONFESSION = "I feel like my sister never listens to me and I am so tired of it all"


def canary() -> str:
    return "canary" + secrets.token_hex(6)


def a_used_vault(folder: Path, words: list[str]) -> None:
    """A vault that held, updated and forgot notes full of canaries and confessions."""
    with Vault(f"sqlite:///{folder / 'vault.sqlite3'}", kdf=FAST) as vault:
        for word in words:
            handle, phrase = vault.create(f"{CONFESSION} {word}", [word], [word])
            assert phrase is not None
            vault.update(handle, phrase, f"{word} {CONFESSION}")
            last = (handle, phrase)
        vault.forget(*last)
        vault.create("Kept after all.", passphrase="correct horse battery")


def test_a_used_vault_directory_is_clean(tmp_path: Path) -> None:
    words = [canary() for _ in range(3)]
    a_used_vault(tmp_path, words)
    report = audit_dir(tmp_path, words)
    assert report.files >= 1
    assert report.findings == ()
    assert report.clean and report.unreadable == ()


def test_an_empty_directory_is_clean(tmp_path: Path) -> None:
    assert audit_dir(tmp_path, ["bluebird"]).clean


def test_planted_canaries_are_found_however_they_were_written(tmp_path: Path) -> None:
    word = canary()
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "server.log").write_bytes(b"INFO ok\nDEBUG body=" + word.upper().encode())
    (tmp_path / "cache.bin").write_bytes(os.urandom(100) + word.encode("utf-16-le") + b"\0" * 9)
    (tmp_path / "dump.gz").write_bytes(gzip.compress(b"x" * 50 + word.encode()))
    for shift in range(3):
        encoded = base64.b64encode(b"a" * shift + word.encode())
        (tmp_path / f"token{shift}.json").write_bytes(b'{"t": "' + encoded + b'"}')
    found = {(f.path, f.encoding, f.inside) for f in audit_dir(tmp_path, [word]).findings}
    assert found == {
        ("logs/server.log", "utf-8", ""),
        ("cache.bin", "utf-16-le", ""),
        ("dump.gz", "utf-8", "gzip"),
        ("token0.json", "base64", ""),
        ("token1.json", "base64", ""),
        ("token2.json", "base64", ""),
    }


def test_a_finding_gives_file_offset_and_canary_but_never_the_text(tmp_path: Path) -> None:
    word = canary()
    (tmp_path / "vault.sqlite3-wal").write_bytes(b"\0" * 1000 + f"{CONFESSION} {word}".encode())
    report = audit_dir(tmp_path, [word])
    canaries = [f for f in report.findings if f.kind == "canary"]
    assert canaries == [
        Finding("vault.sqlite3-wal", 1000 + len(CONFESSION) + 1, "canary", word, "utf-8")
    ]
    texts = [f for f in report.findings if f.kind == "text"]
    assert [(t.offset, t.words) for t in texts] == [(1000, len(CONFESSION.split()) + 1)]
    described = "\n".join(f.describe() for f in report.findings)
    assert "vault.sqlite3-wal:1000: readable text" in described
    assert "sister" not in described


def test_readable_conversation_is_found_without_a_canary(tmp_path: Path) -> None:
    (tmp_path / "app.log").write_text(
        "2026-03-14 10:00:01 INFO server started on port 8000\n"
        "2026-03-14 10:00:02 INFO GET /health 200 OK in 3 ms\n"
        f"2026-03-14 10:00:05 DEBUG message={CONFESSION}\n"
    )
    report = audit_dir(tmp_path)
    assert [(f.path, f.kind) for f in report.findings] == [("app.log", "text")]


def test_plain_text_by_design_gets_only_the_canary_search(tmp_path: Path) -> None:
    word = canary()
    (tmp_path / "settings.toml").write_text(f"# {CONFESSION}\nvoice = 'phrasebook'\n")
    (tmp_path / "notes.md").write_text(f"{CONFESSION} {word}\n")
    report = audit_dir(tmp_path, [word])
    assert [(f.path, f.kind) for f in report.findings] == [("notes.md", "canary")]
    assert audit_dir(tmp_path, text=True, expected_text=()).findings != ()


def test_symlinks_are_not_followed_and_fifos_not_opened(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    word = canary()
    (outside / "secret.txt").write_text(word)
    data = tmp_path / "data"
    data.mkdir()
    (data / "link").symlink_to(outside / "secret.txt")
    (data / "linkdir").symlink_to(outside, target_is_directory=True)
    os.mkfifo(data / "pipe")
    report = audit_dir(data, [word])
    assert report.clean and report.files == 0


def test_an_unreadable_file_is_reported_not_vouched_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked.log").write_text("x")
    (tmp_path / "open.log").write_text("x")
    real_open = Path.open

    def refuse_locked(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.log":  # as chmod 0 would, for anyone but root
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse_locked)
    report = audit_dir(tmp_path)
    assert (report.files, report.unreadable, report.findings) == (2, ("locked.log",), ())


def test_a_short_canary_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 4"):
        audit_dir(tmp_path, ["abc"])


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        audit_dir(tmp_path / "nowhere")
