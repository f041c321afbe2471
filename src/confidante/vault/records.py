"""What a regular's record holds, and the sealed payload's checked JSON form.

Only three things are ever sealed: the short note the person approved, and (if they agreed) the
feeling words and topic ids for continuity. Everything else in a row is metadata the operator can
see: the handle, visit count and months.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confidante.errors import InputError

NOTE_MAX_CHARS = 2000
TAGS_MAX = 16
TAG_MAX_CHARS = 40
EXPORT_FORMAT = "confidante.regular/1"


@dataclass(frozen=True)
class RegularInfo:
    """The operator's view of one regular: nothing readable beyond these four fields."""

    handle: str
    visits: int
    first_month: str
    last_month: str


@dataclass(frozen=True)
class RegularRecord:
    """An opened record: what the person asked to be remembered, and their visit metadata."""

    handle: str
    note: str
    feelings: tuple[str, ...]
    topics: tuple[str, ...]
    visits: int
    first_month: str
    last_month: str

    def __repr__(self) -> str:
        # The note stays out of reprs, so a crash report or debug log cannot carry it.
        return (
            f"RegularRecord(handle={self.handle!r}, note=<{len(self.note)} chars>, "
            f"feelings=<{len(self.feelings)}>, topics=<{len(self.topics)}>, visits={self.visits}, "
            f"first_month={self.first_month!r}, last_month={self.last_month!r})"
        )

    def export(self) -> dict[str, object]:
        """A JSON-ready copy for the person to keep."""
        return {
            "format": EXPORT_FORMAT,
            "handle": self.handle,
            "note": self.note,
            "feelings": list(self.feelings),
            "topics": list(self.topics),
            "visits": self.visits,
            "first_month": self.first_month,
            "last_month": self.last_month,
        }


@dataclass(frozen=True)
class Payload:
    """The sealed part of a record, validated."""

    note: str
    feelings: tuple[str, ...]
    topics: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Payload(note=<{len(self.note)} chars>)"

    @classmethod
    def build(cls, note: str, feelings: Sequence[str], topics: Sequence[str]) -> Payload:
        """Check what the person approved; errors name the field, never its content."""
        if not isinstance(note, str):
            raise InputError("The note must be text; pass the note the person approved.")
        note = unicodedata.normalize("NFC", note).strip()
        if len(note) > NOTE_MAX_CHARS:
            raise InputError(
                f"The note is longer than {NOTE_MAX_CHARS} characters; "
                "ask the person to shorten it."
            )
        if any(_is_control(c) for c in note):
            raise InputError("The note contains control characters; remove them and try again.")
        return cls(note, _tags("feelings", feelings), _tags("topics", topics))

    def to_bytes(self) -> bytes:
        """The JSON form that gets sealed."""
        data = {"v": 1, "note": self.note, "feelings": self.feelings, "topics": self.topics}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Payload:
        """Parse an opened payload; ValueError when it is not one (the caller reports tampering)."""
        data: Any = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("v") != 1:
            raise ValueError("not a payload")
        note, feelings, topics = data.get("note"), data.get("feelings"), data.get("topics")
        if not isinstance(note, str) or not isinstance(feelings, list):
            raise ValueError("not a payload")
        if not isinstance(topics, list):
            raise ValueError("not a payload")
        if not all(isinstance(t, str) for t in [*feelings, *topics]):
            raise ValueError("not a payload")
        return cls(note, tuple(feelings), tuple(topics))


def _tags(name: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InputError(f"Pass {name} as a list of words, not one string.")
    seen: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise InputError(f"Each of the {name} must be text.")
        tag = " ".join(unicodedata.normalize("NFC", value).split()).lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX_CHARS or any(_is_control(c) for c in tag):
            raise InputError(
                f"Each of the {name} must be a short word or phrase "
                f"(at most {TAG_MAX_CHARS} characters); shorten it."
            )
        if tag not in seen:
            seen.append(tag)
    if len(seen) > TAGS_MAX:
        raise InputError(f"Keep at most {TAGS_MAX} {name}; drop the least important ones.")
    return tuple(seen)


def _is_control(char: str) -> bool:
    # Newlines and tabs are fine in a note; other control characters are not.
    return char not in "\n\t" and unicodedata.category(char) == "Cc"
