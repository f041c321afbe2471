"""The Host allow-list: which names this server answers to, and which pages may open its socket.

A page on a hostile site can point its own name at 127.0.0.1 (DNS rebinding) and then talk to a
server on this machine as if it were that site: the browser sends the hostile name in ``Host``.
So every request's ``Host`` must be a name on the list (``CONFIDANTE_ALLOWED_HOSTS``, by default
127.0.0.1, localhost and ::1), and a WebSocket's ``Origin`` must name one too. The Origin is
checked against the list, never against ``Host``, which the same rebinding page controls.
Patterns are exact names or ``*.example.org`` for its subdomains, as Starlette's
``TrustedHostMiddleware`` takes them; ``*`` alone allows any name.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from confidante.errors import ConfigError


def host_name(header: str | None) -> str | None:
    """The name in a ``Host`` header without its port (``[::1]:8000`` -> ``::1``); None if bad."""
    if not header:
        return None
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        rest = value[end + 1 :]
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return value[1:end] or None
    name, _, port = value.partition(":")
    if port and not port.isdigit():
        return None
    return name or None


class HostList:
    """The names this server answers to."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns if p.strip())
        for pattern in self.patterns:
            wild = "*" in pattern[1:] or (pattern.startswith("*") and not pattern.startswith("*."))
            if wild and pattern != "*":
                raise ConfigError(
                    f"allowed host {pattern!r} is not a name or '*.domain'; "
                    "fix CONFIDANTE_ALLOWED_HOSTS"
                )
        self.any = "*" in self.patterns

    def allows(self, name: str | None) -> bool:
        """True when ``name`` (already without its port) is on the list."""
        if self.any:
            return True
        if not name:
            return False
        name = name.lower()
        return any(
            name == p or (p.startswith("*.") and name.endswith(p[1:])) for p in self.patterns
        )

    def allows_host(self, header: str | None) -> bool:
        """True when a ``Host`` header names an allowed host."""
        return self.allows(host_name(header))

    def allows_origin(self, origin: str | None) -> bool:
        """True when there is no Origin (not a browser) or it names an allowed host."""
        if origin is None:
            return True
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https"):
            return False
        return self.allows(host_name(parts.netloc))
