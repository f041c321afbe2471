"""Recent ``/v1`` answers, as digests only: so "Try again" gets other words than before.

A chat front end's "Try again" sends the very same request a second time, and a stateless
server cannot tell it from the first. Drawing the wording at random varies it only by chance:
a turn with two ways of saying it would repeat itself half the time. So this process keeps, for
a few minutes, a keyed digest of each recent request and of the reply it got; a repeat is
answered with a reply whose digest differs, when the listener has another way to say it.

Only digests are kept, under a key made when the process starts and never written anywhere,
so they cannot be matched against a guessed conversation elsewhere; they expire after
``seconds`` and at most ``size`` are held. With several replicas a repeat that reaches another
one is merely worded at random.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence


class Repeats:
    """Keyed digests of recent requests and of the replies they got."""

    def __init__(
        self,
        size: int = 4096,
        seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = secrets.token_bytes(32)
        self._size = size
        self._seconds = seconds
        self._clock = clock
        self._last: OrderedDict[bytes, tuple[float, bytes]] = OrderedDict()

    def digest(self, parts: Sequence[str]) -> bytes:
        """The keyed digest of a request (its messages, in order) or of a reply."""
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(part.encode("utf-8", "replace"))
            mac.update(b"\x00")
        return mac.digest()

    def said_before(self, request: bytes, reply: str) -> bool:
        """True when ``reply`` is what this request was last answered, a few minutes ago."""
        held = self._last.get(request)
        if held is None or self._clock() - held[0] > self._seconds:
            return False
        return hmac.compare_digest(held[1], self.digest([reply]))

    def remember(self, request: bytes, reply: str) -> None:
        """Keep the digest of the reply this request got, dropping the oldest beyond ``size``."""
        self._last.pop(request, None)
        self._last[request] = (self._clock(), self.digest([reply]))
        while len(self._last) > self._size:
            self._last.popitem(last=False)
