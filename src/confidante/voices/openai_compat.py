"""A voice served by any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server).

The policy has already planned the move; the model is asked only to phrase it, with the recent
conversation as context (see ``prompt.py``). Fixed text never reaches this voice. Every wait is
bounded: connecting, the first token (and each one after it), and the whole reply.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from confidante.errors import ConfigError, VoiceError
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceContext, VoiceTimeoutError
from confidante.voices.prompt import messages_for

#: Tokens asked for: a listener's reply is one or two sentences.
MAX_TOKENS = 80
_FALLBACK_HINT = "or set CONFIDANTE_VOICE=phrasebook to use the built-in voice"


class OpenAICompatVoice:
    """Streams a phrasing of each plan from ``/v1/chat/completions``."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "none",
        client: httpx.Client | None = None,
        timeouts: tuple[float, float, float] = (3.0, 10.0, 20.0),
    ) -> None:
        self._base = base_url.rstrip("/")
        self._url = self._base + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"}
        connect, first_token, total = timeouts
        self._total = total
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(first_token, connect=connect)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatVoice:
        """Build from CONFIDANTE_OPENAI_BASE_URL and CONFIDANTE_OPENAI_MODEL."""
        if not settings.openai_base_url or not settings.openai_model:
            raise ConfigError(
                "The openai voice needs a server and a model: set CONFIDANTE_OPENAI_BASE_URL "
                "(e.g. http://127.0.0.1:11434/v1 for Ollama) and CONFIDANTE_OPENAI_MODEL."
            )
        return cls(settings.openai_base_url, settings.openai_model,
                   timeouts=settings.voice_timeouts)

    @property
    def where(self) -> str:
        """The server's base URL for status lines and logs, without any user name or password."""
        parts = urlsplit(self._base)
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()

    @property
    def remote(self) -> bool:
        """True when the server is on another machine, so what is sent leaves this one."""
        host = urlsplit(self._base).hostname or ""
        if host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return True

    def check(self) -> None:
        """Ask the server for its models; a VoiceError says plainly what is wrong."""
        url = self._base + "/models"
        try:
            resp = self._client.get(url, headers=self._headers)
        except httpx.HTTPError as err:
            raise VoiceError(
                f"Could not reach the model server at {self._base} ({type(err).__name__}); "
                f"start it, check CONFIDANTE_OPENAI_BASE_URL, {_FALLBACK_HINT}."
            ) from None
        if resp.status_code == 404:
            raise VoiceError(
                f"The server at {self._base} has no {url}; the base URL usually ends in /v1 "
                "(e.g. http://127.0.0.1:8080/v1): fix CONFIDANTE_OPENAI_BASE_URL."
            )
        if resp.status_code != 200:
            raise VoiceError(
                f"The model server at {self._base} answered {resp.status_code} to {url}; "
                f"check its logs and the API key, {_FALLBACK_HINT}."
            )
        try:
            served = [str(m["id"]) for m in resp.json()["data"]]
        except (ValueError, KeyError, TypeError):
            raise VoiceError(
                f"The server at {self._base} is not OpenAI-compatible (no model list at {url}); "
                "check CONFIDANTE_OPENAI_BASE_URL."
            ) from None
        if self._model not in served:
            shown = ", ".join(served[:8]) or "none"
            raise VoiceError(
                f"The model server at {self._base} does not serve '{self._model}' (it serves: "
                f"{shown}); set CONFIDANTE_OPENAI_MODEL to one of them."
            )

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """Yield the model's phrasing as it streams, within the total time allowed."""
        body: dict[str, Any] = {
            "model": self._model,
            "messages": messages_for(plan, context.recent),
            "stream": True,
            "max_tokens": MAX_TOKENS,
            "temperature": 0.7,
            "seed": context.rng.randrange(2**31),
        }
        deadline = time.monotonic() + self._total
        try:
            with self._client.stream("POST", self._url, json=body, headers=self._headers) as resp:
                if resp.status_code != 200:
                    raise VoiceError(
                        f"The model server at {self._url} answered {resp.status_code}; check "
                        f"that it serves the model '{self._model}', {_FALLBACK_HINT}."
                    )
                for delta in _sse_content(resp.iter_lines()):
                    yield delta
                    if time.monotonic() > deadline:
                        raise VoiceTimeoutError(
                            f"The model server took over {self._total:g} s for one reply; use a "
                            "smaller model or raise CONFIDANTE_VOICE_TIMEOUTS."
                        )
        except httpx.TimeoutException as err:
            raise VoiceTimeoutError(
                f"The model server at {self._url} did not answer in time ({type(err).__name__}); "
                f"check that it is not overloaded, {_FALLBACK_HINT}."
            ) from None
        except httpx.HTTPError as err:
            raise VoiceError(
                f"Could not reach the model server at {self._url} ({type(err).__name__}); start "
                f"it, {_FALLBACK_HINT}."
            ) from None


def _sse_content(lines: Iterator[str]) -> Iterator[str]:
    """The text deltas of an OpenAI server-sent event stream (a cut-off reply ends early)."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            choice = json.loads(payload)["choices"][0]
            delta = (choice.get("delta") or {}).get("content")
            finish = choice.get("finish_reason")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise VoiceError("The model server sent a malformed stream; check its version.") \
                from None
        if delta:
            yield str(delta)
        if finish == "length":
            # Cut off at the token limit: what came is left for the output check to refuse.
            return
