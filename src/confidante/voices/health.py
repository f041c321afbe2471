"""Whether a model voice answers, said once per change: to the chat, the log and ``/metrics``.

A model voice is *down* from its first failure (an error or a timeout, noticed on that turn)
until its next good reply, and the phrasebook answers meanwhile: a person mid-hour is never
left without a reply, or handed an error, because a model server went away. Each change
between up and down bumps ``changes``, so every watcher (the chat's status line, the log) says
it once. A local model that is only busy with another session's reply is not down.

Fallbacks are counted by reason id, never text. The reasons that say what a model wrote
(``harm.*``, ``clinical``...) hint at what the person talked about, so ``/metrics`` folds them
into ``content``; the reasons about form, moves and the model server are published as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from confidante.datafiles import load_toml, text_at

#: Why a model gave no reply: the server failed or was unreachable, took too long, was busy
#: with another reply, or was being left alone after failing several times in a row.
VOICE_REASONS = ("voice.error", "voice.timeout", "voice.busy", "voice.resting")
#: Reasons published by id on ``/metrics``; any other is folded into ``content``.
PUBLISHED_PREFIXES = ("voice.", "form.", "move.")


@dataclass(frozen=True)
class VoiceHealth:
    """Whether a guarded model voice answers now, and why not when it does not."""

    where: str  # the model server's URL or the model's file, never credentials
    up: bool = True
    reason: str | None = None  # the voice.* reason of the failure that took it down
    changes: int = 0  # bumped at each change between up and down


def published_reason(reason: str) -> str:
    """The label ``reason`` is counted under on ``/metrics``."""
    return reason if reason.startswith(PUBLISHED_PREFIXES) else "content"


def status_notice(health: VoiceHealth) -> str:
    """The one line a person is shown when a model voice goes down or comes back."""
    data = load_toml("confidante.voices", "model_prompt.toml")
    source = "voices/model_prompt.toml"
    if health.up:
        return text_at(data, "status.back", source).format(where=health.where)
    why = text_at(data, f"status.why.{(health.reason or 'voice.error').removeprefix('voice.')}",
                  source)
    return text_at(data, "status.down", source).format(where=health.where, why=why)


class HealthWatch:
    """Follows one voice's health for one reader; says each change once."""

    def __init__(self, health: VoiceHealth | None) -> None:
        self._seen = health.changes if health is not None else 0

    def news(self, health: VoiceHealth | None) -> str | None:
        """The notice for a change since the last call, or ``None``."""
        if health is None or health.changes == self._seen:
            return None
        flipped = (health.changes - self._seen) % 2 == 1  # down and back up again: no news
        self._seen = health.changes
        return status_notice(health) if flipped else None
