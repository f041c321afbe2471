"""Settings: typed, read from the environment, every one documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from confidante.errors import ConfigError
from confidante.settings import SETTINGS, Settings, system_locale

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults() -> None:
    s = Settings(locale="en_US")
    assert (s.minutes, s.cue_minutes, s.voice, s.max_message_chars) == (60, (10, 5), "phrasebook", 4000)


def test_from_env_parses_types() -> None:
    s = Settings.from_env({"CONFIDANTE_MINUTES": "30", "CONFIDANTE_CUE_MINUTES": "15,5,1",
                           "CONFIDANTE_PLUGINS": "a, b", "CONFIDANTE_LOCALE": "en_GB"})
    assert (s.minutes, s.cue_minutes, s.plugins, s.locale) == (30, (15, 5, 1), ("a", "b"), "en_GB")


@pytest.mark.parametrize("value", ["0", "-5", "an hour"])
def test_bad_values_say_which_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="CONFIDANTE_MINUTES"):
        Settings.from_env({"CONFIDANTE_MINUTES": value})


def test_every_setting_is_a_field_and_documented() -> None:
    fields = set(Settings.__dataclass_fields__)
    readme = README.read_text(encoding="utf-8")
    assert {s.name for s in SETTINGS} == fields
    for setting in SETTINGS:
        assert f"| {setting.name} |" in readme, f"README does not document {setting.name}"


def test_system_locale_reads_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert system_locale() == "de_DE"
