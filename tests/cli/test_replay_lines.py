"""`confidante replay` reads lines as bytes: \\n, \\r\\n and a bare \\r all end a line."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from confidante.cli.replay import read_lines


def reader(data: bytes, step: int) -> Callable[[int], bytes]:
    """A read function that returns at most ``step`` bytes a call, like a slow pipe."""
    stream = io.BytesIO(data)
    return lambda n: stream.read(min(n, step))


@pytest.mark.parametrize("step", [1, 2, 3, 1 << 16])
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"a", [b"a"]),
        (b"a\n", [b"a"]),
        (b"a\nb", [b"a", b"b"]),
        (b"a\r\nb\r\n", [b"a", b"b"]),
        (b"a\rb\r", [b"a", b"b"]),
        (b"a\r\rb", [b"a", b"", b"b"]),
        (b"a\n\r\nb\n", [b"a", b"", b"b"]),
        (b"a\n\r", [b"a", b""]),
        (b"\n", [b""]),
        (b"a\xff\rb", [b"a\xff", b"b"]),
    ],
)
def test_lines_end_at_any_line_end_wherever_reads_split(
    data: bytes, expected: list[bytes], step: int
) -> None:
    assert list(read_lines(reader(data, step))) == expected


@pytest.mark.parametrize("step", [1, 4, 1 << 16])
def test_an_overlong_line_is_none_in_its_place(step: int) -> None:
    data = b"ok\r" + b"x" * 20 + b"\r\nfine\n" + b"y" * 20 + b"\rlast" + b"\n" + b"z" * 11
    got = list(read_lines(reader(data, step), max_bytes=10))
    assert got == [b"ok", None, b"fine", None, b"last", None]
