"""Which voices exist: built-ins, plus third-party voices enabled by name (an allow-list).

A plugin package publishes an entry point in the ``confidante.voices`` group pointing at a
module with ``def register_voices(register)``; it calls ``register(name, factory)`` where
``factory(settings)`` returns a Voice. Installed plugins are never loaded unless their entry
point name is listed in the ``plugins`` setting, because a voice sees what people say.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from confidante.errors import ConfigError
from confidante.settings import Settings
from confidante.voices.base import Voice

VoiceFactory = Callable[[Settings], Voice]
ENTRY_POINT_GROUP = "confidante.voices"


# Built-ins import lazily, so the optional dependencies of one voice never burden another.
def _phrasebook(settings: Settings) -> Voice:
    from confidante.voices.phrasebook import Phrasebook

    return Phrasebook.load()


def _openai(settings: Settings) -> Voice:
    from confidante.voices.openai_compat import OpenAICompatVoice

    voice = OpenAICompatVoice.from_settings(settings)
    voice.check()  # at start-up: a wrong URL or model is said plainly, not hidden every turn
    return voice


def _llamacpp(settings: Settings) -> Voice:
    from confidante.voices.llamacpp import LlamaCppVoice

    return LlamaCppVoice.from_settings(settings)


_BUILTIN: dict[str, VoiceFactory] = {
    "phrasebook": _phrasebook,
    "openai": _openai,
    "llamacpp": _llamacpp,
}


def plugin_factories(allowed: tuple[str, ...]) -> dict[str, VoiceFactory]:
    """Factories registered by the allowed plugins' entry points (others are never imported)."""
    found: dict[str, VoiceFactory] = {}

    def register(name: str, factory: VoiceFactory) -> None:
        found[name] = factory

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in allowed:
            ep.load().register_voices(register)
    return found


def available(settings: Settings) -> list[str]:
    """Names of the voices that can be asked for with these settings."""
    return sorted({*_BUILTIN, *plugin_factories(settings.plugins)})


def load_voice(settings: Settings) -> Voice:
    """The voice named by ``settings.voice``, or a ConfigError listing the choices."""
    name = settings.voice
    if name in _BUILTIN:
        return _BUILTIN[name](settings)
    plugins = plugin_factories(settings.plugins)
    if name in plugins:
        return plugins[name](settings)
    raise ConfigError(
        f"There is no voice called '{name}': set CONFIDANTE_VOICE to one of "
        f"{', '.join(available(settings))}. A third-party voice must also be listed in "
        "CONFIDANTE_PLUGINS."
    )
