"""A voice from a local GGUF model through llama-cpp-python (``pip install 'confidante[gguf]'``).

It sends the same instructions as the OpenAI-compatible voice; fixed text is said verbatim.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from confidante.errors import ConfigError, VoiceError
from confidante.listening.plan import Plan
from confidante.settings import Settings
from confidante.voices.base import VoiceContext
from confidante.voices.openai_compat import messages_for


class LlamaCppVoice:
    """Phrases plans with a GGUF model loaded in this process."""

    name = "llamacpp"

    def __init__(self, model: Any) -> None:
        self._model = model

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
                "The llamacpp voice needs llama-cpp-python: pip install 'confidante[gguf]'."
            ) from None
        return cls(Llama(model_path=str(path), n_ctx=2048, verbose=False))

    def say(self, plan: Plan, context: VoiceContext) -> Iterator[str]:
        """Yield the model's phrasing as it streams; fixed text verbatim."""
        if plan.fixed is not None:
            yield plan.fixed
            return
        try:
            stream = self._model.create_chat_completion(
                messages=messages_for(plan, context), max_tokens=80, temperature=0.7,
                seed=context.rng.randrange(2**31), stream=True,
            )
            for chunk in stream:
                delta = chunk["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield str(delta)
        except (RuntimeError, ValueError, KeyError) as err:
            raise VoiceError(f"The local model failed ({type(err).__name__}).") from None
