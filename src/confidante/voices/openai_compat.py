"""A voice served by any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, Confidante).

The policy has already planned the move; the model is asked only to phrase it, with the recent
conversation as context. Fixed (safety) text is said verbatim and never sent to the model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from confidante.conversation import Role
from confidante.datafiles import load_toml
from confidante.errors import ConfigError, VoiceError
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceContext

_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class _Slots(dict[str, str]):
    """Missing slots read as an empty phrase rather than failing the format."""

    def __missing__(self, key: str) -> str:
        return "what they said"


def instruction(plan: Plan) -> str:
    """The reviewed instruction for ``plan``'s move, with its slots filled in."""
    data = load_toml("confidante.voices", "model_prompt.toml")
    template = str(data["moves"].get(plan.move.value, data["moves"]["encourage"]))
    return template.format_map(_Slots(plan.slots))


def messages_for(plan: Plan, context: VoiceContext) -> list[dict[str, str]]:
    """Chat messages: the system prompt, the recent conversation, then the move to phrase."""
    system = str(load_toml("confidante.voices", "model_prompt.toml")["system"])
    out = [{"role": "system", "content": system}]
    for message in context.recent:
        role = "user" if message.role is Role.PERSON else "assistant"
        out.append({"role": role, "content": message.text})
    out.append({"role": "system", "content": "Your move now: " + instruction(plan)})
    return out


class OpenAICompatVoice:
    """Streams a phrasing of each plan from ``/v1/chat/completions``."""

    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str = "none",
                 client: httpx.Client | None = None) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._client = client or httpx.Client(timeout=_TIMEOUT)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatVoice:
        """Build from CONFIDANTE_OPENAI_BASE_URL and CONFIDANTE_OPENAI_MODEL."""
        if not settings.openai_base_url or not settings.openai_model:
            raise ConfigError(
                "The openai voice needs a server and a model: set CONFIDANTE_OPENAI_BASE_URL "
                "(e.g. http://127.0.0.1:11434/v1 for Ollama) and CONFIDANTE_OPENAI_MODEL."
            )
        return cls(settings.openai_base_url, settings.openai_model)

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """Yield the model's phrasing as it streams; fixed text verbatim."""
        if plan.fixed is not None:
            yield plan.fixed
            return
        body: dict[str, Any] = {
            "model": self._model,
            "messages": messages_for(plan, context),
            "stream": True,
            "max_tokens": 80,
            "temperature": 0.7,
            "seed": context.rng.randrange(2**31),
        }
        try:
            with self._client.stream("POST", self._url, json=body, headers=self._headers) as resp:
                if resp.status_code != 200:
                    raise VoiceError(
                        f"The model server at {self._url} answered {resp.status_code}; check that "
                        f"it serves the model '{self._model}', or use --voice phrasebook."
                    )
                yield from _sse_content(resp.iter_lines())
        except httpx.HTTPError as err:
            raise VoiceError(
                f"Could not reach the model server at {self._url} ({type(err).__name__}); start it "
                "or switch back to the built-in voice with CONFIDANTE_VOICE=phrasebook."
            ) from None


def _sse_content(lines: Iterator[str]) -> Iterator[str]:
    """The text deltas of an OpenAI server-sent event stream."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            chunk = json.loads(payload)
            delta = chunk["choices"][0].get("delta", {}).get("content")
        except (ValueError, KeyError, IndexError, TypeError):
            raise VoiceError("The model server sent a malformed stream; check its version.") \
                from None
        if delta:
            yield delta
