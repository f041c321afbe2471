"""The packaged risk model: numpy-only, deterministic features, small, sane thresholds."""

from __future__ import annotations

import subprocess
import sys
import zlib

from confidante.conversation import RiskLevel
from confidante.safety import SafetyGuard
from confidante.safety.datafiles import resource
from confidante.safety.model import MODEL_FILE, RiskModel, feature_ids


def test_features_are_crc32_of_unigrams_and_bigrams() -> None:
    ids = feature_ids("i want to go home", 1 << 18)
    grams = ["i", "want", "to", "go", "home", "i want", "want to", "to go", "go home"]
    assert ids == sorted({zlib.crc32(g.encode()) % (1 << 18) for g in grams})
    assert feature_ids("", 1 << 18) == []


def test_the_model_ships_small_and_loads() -> None:
    assert resource(MODEL_FILE).is_file()
    with resource(MODEL_FILE).open("rb") as fh:
        assert len(fh.read()) < 256 * 1024
    model = RiskModel.load()
    assert model is not None
    assert 0.0 < model.low <= model.support <= model.elevated < 1.0
    p = model.probability("hello there")
    assert 0.0 <= p <= 1.0


def test_runtime_needs_numpy_only() -> None:
    code = (
        "import sys\n"
        "from confidante.safety import SafetyGuard\n"
        "g = SafetyGuard.load()\n"
        "assert g.model is not None\n"
        "g.assess('everyone would be better off without me')\n"
        "bad = [m for m in ('sklearn', 'scipy', 'pandas', 'torch') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_model_alone_never_says_imminent_nor_elevated_on_short_messages() -> None:
    guard = SafetyGuard.load()
    assert guard.model is not None
    short = "Thanks. It helped to say it."
    a = guard.assess(short)
    assert not a.is_crisis
    # A long message with no lexicon match is at most elevated, whatever its score.
    long = " ".join(["I have been feeling empty and alone and nothing seems to matter"] * 3)
    assert guard.assess(long).level.rank <= RiskLevel.ELEVATED.rank
