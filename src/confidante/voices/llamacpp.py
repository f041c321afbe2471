"""A voice from a local GGUF model through llama-cpp-python (``pip install 'confidante[gguf]'``).

A ``Llama`` object is not safe to use from two threads at once (``serve`` runs sessions in
threads: segfaults, double frees, ``GGML_ASSERT``), so each loaded model has one lock and runs
one generation at a time; a turn that cannot get the model within the first-token timeout is
answered by the phrasebook instead. Models are loaded once per process and path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from confidante.errors import ConfigError, VoiceError
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceBusyError, VoiceContext
from confidante.voices.openai_compat import MAX_TOKENS
from confidante.voices.prompt import messages_for

_LOADED: dict[tuple[str, str], tuple[Any, threading.Lock]] = {}
_LOADING = threading.Lock()


class LlamaCppVoice:
    """Phrases plans with a GGUF model loaded in this process, one generation at a time."""

    name = "llamacpp"
    remote = False

    def __init__(self, model: Any, lock: threading.Lock | None = None,
                 timeouts: tuple[float, float, float] = (3.0, 10.0, 20.0),
                 where: str = "this process") -> None:
        self._model = model
        self.where = where  # the model's file, for status lines and logs
        self._lock = lock or threading.Lock()
        _, self._wait, self._total = timeouts

    @classmethod
    def from_settings(cls, settings: Settings) -> LlamaCppVoice:
        """Load the model at CONFIDANTE_GGUF_PATH; clear errors when it or the extra is missing."""
        if not settings.gguf_path:
            raise ConfigError("The llamacpp voice needs CONFIDANTE_GGUF_PATH=/path/to/model.gguf.")
        path = Path(settings.gguf_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"No GGUF model at {path}; check CONFIDANTE_GGUF_PATH.")
        try:
            from llama_cpp import Llama
        except ImportError:
            raise VoiceError(
                "The llamacpp voice needs llama-cpp-python: pip install 'confidante[gguf]' "
                "(on CPUs where the native build fails, see README: CMAKE_ARGS)."
            ) from None
        key = (str(path.resolve()), settings.chat_format)
        with _LOADING:
            if key not in _LOADED:
                options: dict[str, Any] = {"n_ctx": 2048, "verbose": False}
                if settings.chat_format:
                    options["chat_format"] = settings.chat_format
                try:
                    model = Llama(model_path=str(path), **options)
                except (ValueError, RuntimeError) as err:
                    raise VoiceError(
                        f"llama-cpp-python could not load {path} ({type(err).__name__}); check "
                        "that it is a GGUF file, and CONFIDANTE_CHAT_FORMAT if it has no template."
                    ) from None
                _LOADED[key] = (model, threading.Lock())
            model, lock = _LOADED[key]
        return cls(model, lock, timeouts=settings.voice_timeouts, where=str(path))

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """Yield the model's phrasing as it streams, holding the model's lock throughout."""
        messages = messages_for(plan, context.recent)
        seed = context.rng.randrange(2**31)
        if not self._lock.acquire(timeout=self._wait):
            raise VoiceBusyError(
                f"The local model was busy for {self._wait:g} s; fewer sessions at once, or a "
                "model server (the openai voice) for many, would help."
            )
        try:
            deadline = time.monotonic() + self._total
            stream = self._model.create_chat_completion(
                messages=messages, max_tokens=MAX_TOKENS, temperature=0.7, seed=seed,
                stream=True,
            )
            for chunk in stream:
                choice = chunk["choices"][0]
                delta = choice.get("delta", {}).get("content")
                if delta:
                    yield str(delta)
                if choice.get("finish_reason") == "length" or time.monotonic() > deadline:
                    return  # a cut-off reply is left for the output check to refuse
        except (RuntimeError, ValueError, KeyError) as err:
            raise VoiceError(f"The local model failed ({type(err).__name__}).") from None
        finally:
            self._lock.release()
