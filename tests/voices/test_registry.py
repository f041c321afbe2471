"""Choosing a voice by name; third-party voices only when allow-listed."""

from __future__ import annotations

import pytest

from confidante.errors import ConfigError, VoiceError
from confidante.settings import Settings
from confidante.voices.base import Voice
from confidante.voices.registry import available, load_voice


def test_the_default_voice_is_the_phrasebook() -> None:
    voice = load_voice(Settings(locale="en_US"))
    assert voice.name == "phrasebook" and isinstance(voice, Voice)


def test_unknown_voice_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="phrasebook"):
        load_voice(Settings(locale="en_US", voice="shakespeare"))


def test_builtins_are_available_and_plugins_need_the_allow_list() -> None:
    assert {"phrasebook", "openai", "llamacpp"} <= set(available(Settings(locale="en_US")))


def test_llamacpp_needs_a_model_path(tmp_path: object) -> None:
    with pytest.raises(ConfigError, match="CONFIDANTE_GGUF_PATH"):
        load_voice(Settings(locale="en_US", voice="llamacpp"))
    with pytest.raises(ConfigError, match="No GGUF model"):
        load_voice(Settings(locale="en_US", voice="llamacpp", gguf_path="/nonexistent.gguf"))


def test_llamacpp_without_the_extra_says_how_to_install(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    from pathlib import Path

    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if the extra were not installed
    model = Path(str(tmp_path)) / "m.gguf"
    model.write_bytes(b"GGUF")
    with pytest.raises(VoiceError, match=r"confidante\[gguf\]"):
        load_voice(Settings(locale="en_US", voice="llamacpp", gguf_path=str(model)))
