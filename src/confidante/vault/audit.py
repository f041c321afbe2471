"""The discretion audit: look through a data directory for anything a person said, in the clear.

Every regular file is read as bytes (database files with their -wal and -shm, logs, caches, and
anything else; the insides of gzip files too). Two searches run over them:

* canaries: words planted in test conversations, searched case-insensitively as UTF-8 and UTF-16
  and as base64, so a leak is found however it was written;
* readable text: runs of eight or more words, a good share of them everyday English words ("I",
  "my", "the", "feel"). Conversation is full of those; SQL, log formats and ciphertext are not.
  Files expected to be plain text (``*.toml``, ``*.md`` by default) get only the canary search.

Findings name the file, the byte offset and the canary, never the text found, so an audit report
is safe to paste into an issue.
"""

from __future__ import annotations

import base64
import fnmatch
import os
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from confidante.errors import InputError

DEFAULT_EXPECTED_TEXT = ("*.toml", "*.md")
MIN_CANARY_CHARS = 4
MIN_RUN_WORDS = 8
_CHUNK = 8 * 1024 * 1024
_OVERLAP = 64 * 1024
_GZIP_LIMIT = 64 * 1024 * 1024
_MAX_PER_FILE = 50
# Words of letters (with apostrophes) joined by up to three spaces or punctuation marks. The two
# character classes do not overlap, so matching stays linear on binary data.
_RUN = re.compile(
    rb"[A-Za-z][A-Za-z']{0,24}(?:[ ,.;:!?\"()\-]{1,3}[A-Za-z][A-Za-z']{0,24}){%d,}"
    % (MIN_RUN_WORDS - 1)
)
_WORD = re.compile(rb"[A-Za-z][A-Za-z']*")


@dataclass(frozen=True)
class Finding:
    """Something readable where nothing should be: where it is and what matched, never the text."""

    path: str  # relative to the audited directory, with / separators
    offset: int  # byte offset in the file (in the unpacked stream when ``inside`` is set)
    kind: str  # "canary" or "text"
    canary: str | None = None
    encoding: str = "utf-8"  # how the canary was written: utf-8, utf-16-le, utf-16-be, base64
    words: int = 0  # for readable text: how many words in the run
    inside: str = ""  # "gzip" when found in a gzip file's contents

    def describe(self) -> str:
        """One line for a report: ``path:offset: what``."""
        where = f"{self.path}:{self.offset}" + (f" (inside {self.inside})" if self.inside else "")
        if self.kind == "canary":
            return f"{where}: canary {self.canary!r} ({self.encoding})"
        return f"{where}: readable text, a run of {self.words} words"


@dataclass(frozen=True)
class AuditReport:
    """What an audit looked at and found."""

    root: Path
    files: int
    findings: tuple[Finding, ...]
    unreadable: tuple[str, ...]  # files that could not be read, so are not vouched for

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return not self.findings


def audit_dir(
    root: Path | str,
    canaries: Sequence[str] = (),
    *,
    text: bool = True,
    expected_text: Sequence[str] = DEFAULT_EXPECTED_TEXT,
) -> AuditReport:
    """Search every file under ``root`` (or ``root`` itself, if a file) for leaks."""
    base = Path(root)
    if not base.exists():
        raise InputError("That directory does not exist; pass the data directory to audit.")
    patterns = _patterns(canaries)
    findings: list[Finding] = []
    unreadable: list[str] = []
    files = 0
    for path in _files(base):
        name = path.name if path == base else path.relative_to(base).as_posix()
        files += 1
        heuristic = text and not any(
            fnmatch.fnmatch(name, g) or fnmatch.fnmatch(path.name, g) for g in expected_text
        )
        try:
            findings.extend(_scan_file(path, name, patterns, heuristic))
        except OSError:
            unreadable.append(name)
    return AuditReport(base, files, tuple(findings), tuple(unreadable))


def _files(base: Path) -> Iterator[Path]:
    """Regular files only: symlinks are not followed and FIFOs are never opened (they block)."""
    if base.is_file():
        yield base
        return
    for folder, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(folder) / filename
            if path.is_file() and not path.is_symlink():
                yield path


def _scan_file(
    path: Path, name: str, patterns: list[tuple[str, str, bytes, bool]], heuristic: bool
) -> list[Finding]:
    seen: dict[tuple[str, str | None, str, int, str], Finding] = {}
    with path.open("rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        for base, chunk in _chunks(handle):
            for found in _scan_bytes(chunk, base, name, patterns, heuristic, ""):
                seen.setdefault(_key(found), found)
    if head == b"\x1f\x8b":
        unpacked = _gunzip(path)
        if unpacked is not None:
            for found in _scan_bytes(unpacked, 0, name, patterns, heuristic, "gzip"):
                seen.setdefault(_key(found), found)
    return sorted(seen.values(), key=lambda f: (f.inside, f.offset))[:_MAX_PER_FILE]


def _key(f: Finding) -> tuple[str, str | None, str, int, str]:
    return (f.kind, f.canary, f.encoding, f.offset, f.inside)


def _chunks(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Overlapping chunks, so a match across a chunk boundary is still seen whole."""
    offset = 0
    while True:
        handle.seek(offset)
        chunk = handle.read(_CHUNK + _OVERLAP)
        if not chunk:
            return
        yield offset, chunk
        if len(chunk) <= _CHUNK:
            return
        offset += _CHUNK


def _gunzip(path: Path) -> bytes | None:
    try:
        inflater = zlib.decompressobj(wbits=31)
        return inflater.decompress(path.read_bytes(), _GZIP_LIMIT)
    except zlib.error:
        return None  # not really gzip: its raw bytes were searched already


def _scan_bytes(
    data: bytes,
    base: int,
    name: str,
    patterns: list[tuple[str, str, bytes, bool]],
    heuristic: bool,
    inside: str,
) -> Iterator[Finding]:
    lowered = data.lower()
    for canary, encoding, needle, folded in patterns:
        haystack = lowered if folded else data
        start = haystack.find(needle)
        while start != -1:
            yield Finding(name, base + start, "canary", canary, encoding, inside=inside)
            start = haystack.find(needle, start + 1)
    if heuristic:
        common = _common_words()
        for run in _RUN.finditer(data):
            words = _WORD.findall(run.group())
            everyday = sum(1 for w in words if w.lower() in common)
            if everyday >= 3 and everyday * 10 >= len(words) * 3:
                yield Finding(name, base + run.start(), "text", words=len(words), inside=inside)


def _patterns(canaries: Sequence[str]) -> list[tuple[str, str, bytes, bool]]:
    """(canary, encoding, needle, case-folded) for every way a canary could be written."""
    found: list[tuple[str, str, bytes, bool]] = []
    for canary in canaries:
        word = canary.strip()
        if len(word) < MIN_CANARY_CHARS:
            raise InputError(
                f"A canary needs at least {MIN_CANARY_CHARS} characters to be found reliably; "
                "use a longer, unusual word."
            )
        folded = word.lower()
        found.append((word, "utf-8", folded.encode("utf-8"), True))
        found.append((word, "utf-16-le", folded.encode("utf-16-le"), True))
        found.append((word, "utf-16-be", folded.encode("utf-16-be"), True))
        for variant in dict.fromkeys((word, folded)):
            for needle in _base64_needles(variant.encode("utf-8")):
                found.append((word, "base64", needle, False))
    return found


def _base64_needles(raw: bytes) -> Iterator[bytes]:
    """The base64 characters that depend only on ``raw``, at each of the three alignments."""
    for shift in range(3):
        encoded = base64.b64encode(b"\x00" * shift + raw)
        start = -(-shift * 8 // 6)  # first character made only of ``raw``'s bits
        end = (shift + len(raw)) * 8 // 6  # last such character, exclusive
        needle = encoded[start:end]
        if len(needle) >= 6:
            yield needle
            urlsafe = needle.replace(b"+", b"-").replace(b"/", b"_")
            if urlsafe != needle:
                yield urlsafe


@cache
def _common_words() -> frozenset[bytes]:
    text = resources.files("confidante.vault").joinpath("common_words.txt").read_text("utf-8")
    return frozenset(
        line.strip().encode() for line in text.splitlines() if line.strip() and line[0] != "#"
    )
