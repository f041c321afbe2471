"""Typed settings, read from ``CONFIDANTE_*`` environment variables or passed in explicitly.

Every setting is a row in ``SETTINGS`` with its default and help, so the docs can list them all
and a test can check that they do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from confidante.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One documented setting."""

    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("minutes", "60", "Length of a session in minutes."),
    Setting(
        "locale",
        "",
        "Locale for helplines, e.g. en_GB; empty means the system locale (none, C or POSIX: "
        "the international directories).",
    ),
    Setting("cue_minutes", "10,5", "Minutes left at which the listener gives a time cue."),
    Setting("voice", "phrasebook", "Which voice phrases replies: phrasebook, openai, llamacpp."),
    Setting("database_url", "", "Vault database URL; empty means SQLite in the user directory."),
    Setting("redis_url", "", "Redis URL for sealed session state shared by server replicas."),
    Setting("max_message_chars", "4000", "Longest message accepted, in characters."),
    Setting("openai_base_url", "", "Base URL of an OpenAI-compatible server for the openai voice."),
    Setting("openai_model", "", "Model name to ask the OpenAI-compatible server for."),
    Setting("gguf_path", "", "Path to a local GGUF model for the llamacpp voice."),
    Setting(
        "chat_format",
        "",
        "llama-cpp-python chat format (e.g. chatml) for a GGUF without a chat template; empty "
        "uses the model's own.",
    ),
    Setting(
        "voice_timeouts",
        "3,10,20",
        "Seconds a model voice may take to connect, to give its first token, and for a whole "
        "reply; past them the phrasebook answers.",
    ),
    Setting("plugins", "", "Comma-separated allow-list of third-party voice entry points."),
    Setting(
        "frontend_key",
        "",
        "API key a trusted chat front end (Open WebUI) sends as Bearer on /v1; its requests are "
        "rate-limited per conversation instead of per address.",
    ),
    Setting(
        "metrics_token",
        "",
        "Bearer token that /metrics asks for; empty keeps /metrics closed (403).",
    ),
    Setting(
        "allowed_hosts",
        "127.0.0.1,localhost,::1",
        "Comma-separated Host names the server answers (and WebSocket Origins it takes); "
        "`*.example.org` matches subdomains.",
    ),
    Setting(
        "address_key_file",
        "",
        "File holding the key that hashes client addresses for shared rate limits (Redis mode); "
        "empty means address.key in the user directory, made 0600 on first use.",
    ),
)


# language[_territory or -script...][.codeset][@modifier], or C / POSIX (glibc and BCP 47 forms).
_LOCALE = re.compile(
    r"^(?:C|POSIX|[A-Za-z]{2,3}(?:[-_](?:[A-Za-z]{2}|[A-Za-z]{4}|[0-9]{3}))*)"
    r"(?:\.[A-Za-z0-9-]+)?(?:@[A-Za-z0-9]+)?$"
)


def system_locale() -> str:
    """The system's locale name such as ``en_GB``, or "" (international lines) when none is set."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        base = value.split(".")[0].split("@")[0]
        if base and base not in ("C", "POSIX"):
            return base
    # C and POSIX name no country. locale.getlocale() is not asked: it reports C.UTF-8 as en_US.
    return ""


def check_locale(locale: str) -> str:
    """``locale`` stripped if it is a locale name (``en_GB``, ``fr``, ``en_US.UTF-8``, "")."""
    value = locale.strip()
    if value == "" or (len(value) <= 64 and _LOCALE.match(value)):
        return value
    shown = value if len(value) <= 24 else value[:24] + "..."
    raise ConfigError(
        f"Unknown locale {shown!r}; use a form such as en_GB, de_DE or fr, "
        "or leave it unset for the international directories of crisis lines."
    )


@dataclass(frozen=True)
class Settings:
    """All settings of one process; build with ``Settings.from_env()`` or directly in tests."""

    minutes: int = 60
    locale: str = field(default_factory=system_locale)
    cue_minutes: tuple[int, ...] = (10, 5)
    voice: str = "phrasebook"
    database_url: str = ""
    redis_url: str = ""
    max_message_chars: int = 4000
    openai_base_url: str = ""
    openai_model: str = ""
    gguf_path: str = ""
    chat_format: str = ""
    voice_timeouts: tuple[float, float, float] = (3.0, 10.0, 20.0)
    plugins: tuple[str, ...] = ()
    frontend_key: str = field(default="", repr=False)
    metrics_token: str = field(default="", repr=False)
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    address_key_file: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``CONFIDANTE_<NAME>`` variables; unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"CONFIDANTE_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, raw)
        return cls(**values)  # type: ignore[arg-type]


def _parse(name: str, raw: str) -> object:
    """Turn one environment value into the field's type, or say how to fix it."""
    try:
        if name in ("minutes", "max_message_chars"):
            value = int(raw)
            if value <= 0:
                raise ValueError
            return value
        if name == "cue_minutes":
            return tuple(int(p) for p in raw.split(",") if p.strip())
        if name == "voice_timeouts":
            return _timeouts(raw)
        if name in ("plugins", "allowed_hosts"):
            return tuple(p.strip() for p in raw.split(",") if p.strip())
        if name == "locale":
            try:
                return check_locale(raw)
            except ConfigError as err:
                raise ConfigError(f"CONFIDANTE_LOCALE: {err}") from None
    except ValueError:
        raise ConfigError(
            f"CONFIDANTE_{name.upper()} must be a positive whole number (or a comma-separated list "
            "for lists); fix or unset it."
        ) from None
    return raw


def _timeouts(raw: str) -> tuple[float, float, float]:
    """Three positive numbers of seconds: connect, first token, whole reply."""
    try:
        parts = tuple(float(p) for p in raw.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or not all(0 < p <= 600 for p in parts):
        raise ConfigError(
            "CONFIDANTE_VOICE_TIMEOUTS must be three numbers of seconds, connect, first token "
            "and whole reply, e.g. 3,10,20; fix or unset it."
        )
    return (parts[0], parts[1], parts[2])
