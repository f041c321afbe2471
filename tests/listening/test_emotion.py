"""The packaged emotion model: real predictions, feelings wording, and broken artifacts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from confidante.errors import DataFileError
from confidante.listening.emotion import (
    RETRAIN,
    EmotionModel,
    FeelingMap,
    default_model,
    text_features,
    tokens,
)

ARTIFACT = Path(str(resources.files("confidante.listening").joinpath("models", "emotion.npz")))
FEELINGS = Path(str(resources.files("confidante.listening").joinpath("data", "feelings.toml")))


@pytest.fixture(scope="module")
def model() -> EmotionModel:
    return EmotionModel.load()


def test_labels_are_the_28_goemotions_labels(model: EmotionModel) -> None:
    assert len(model.labels) == 28
    assert model.labels[0] == "admiration"
    assert model.labels[-1] == "neutral"
    assert {"gratitude", "grief", "nervousness", "remorse"} <= set(model.labels)


def test_the_shipped_artifact_is_small() -> None:
    assert ARTIFACT.stat().st_size < 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "feeling"),
    [
        ("I'm so grateful for my friends", "grateful"),
        ("I feel so alone since she left", "lonely"),
        ("I'm furious at my boss", "angry"),
        ("I'm scared he'll leave me", "afraid"),
        ("I've been stuck in the same job for ten years", "stuck"),
        ("There's too much going on, I can't cope", "overwhelmed"),
    ],
)
def test_clear_sentences_get_their_feeling(model: EmotionModel, text: str, feeling: str) -> None:
    assert feeling in model.feelings(text)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Thank you so much, that really helped", "gratitude"),
        ("I'm scared he'll leave me", "fear"),
        ("I don't know why he did that", "confusion"),
        ("I went to the shop", "neutral"),
    ],
)
def test_the_model_ranks_the_clear_label_first(model: EmotionModel, text: str, label: str) -> None:
    assert model.labels_for(text)[0] == label
    probs = model.probabilities(text)
    assert max(probs, key=probs.__getitem__) == label


def test_feelings_come_from_the_model_without_any_cue(model: EmotionModel) -> None:
    # No cue phrase in this message: "sad" can only come from the sadness label.
    assert "sad" in model.feelings("I lost my dad last month")


def test_probabilities_cover_every_label(model: EmotionModel) -> None:
    probs = model.probabilities("My sister ignored me at the party")
    assert tuple(probs) == model.labels
    assert all(0.0 < p < 1.0 for p in probs.values())


def test_two_loads_give_the_same_answers() -> None:
    first, second = EmotionModel.load(), EmotionModel.load(ARTIFACT)
    for text in ("I hate my life", "Thanks for listening", "It's my fault that we broke up"):
        assert first.probabilities(text) == second.probabilities(text)
        assert first.feelings(text, limit=5) == second.feelings(text, limit=5)


def test_default_model_is_loaded_once() -> None:
    assert default_model() is default_model()


def test_neutral_is_a_label_but_never_a_feeling(model: EmotionModel) -> None:
    for text in ("I went to the shop", "hello", "The meeting is at three"):
        assert "neutral" in model.labels_for(text)
        assert "neutral" not in model.feelings(text, limit=28)
    assert model.feelings("I went to the shop") == ()


@pytest.mark.parametrize("text", ["", "   \n\t", "...", "zxqv qqqzz"])
def test_text_without_known_words_has_no_feelings(model: EmotionModel, text: str) -> None:
    assert model.feelings(text) == ()
    assert model.labels_for(text) == ()
    assert set(model.probabilities(text)) == set(model.labels)


def test_a_negated_cue_does_not_count(model: EmotionModel) -> None:
    assert "lonely" in model.feelings("I feel alone")
    assert "lonely" not in model.feelings("I'm not alone anymore, I found a group")


def test_cues_keep_the_order_they_were_said(model: EmotionModel) -> None:
    text = "I'm exhausted and I feel so alone"
    assert model.feelings(text) == ("exhausted", "lonely")
    assert model.feelings(text, limit=1) == ("exhausted",)
    assert model.feelings(text, limit=0) == ()


def test_tokens_are_deterministic_and_fold_case_and_quotes() -> None:
    assert tokens("I\u2019m SO tired!!") == ["i'm", "so", "tired", "!", "!"]
    assert text_features("not happy") == ["not", "happy", "not happy"]


def test_a_missing_artifact_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as info:
        EmotionModel.load(tmp_path / "emotion.npz")
    assert "emotion.npz" in str(info.value)
    assert RETRAIN in str(info.value)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "missing-array", "wrong-shape"])
def test_a_corrupt_artifact_raises_data_file_error(tmp_path: Path, damage: str) -> None:
    broken = tmp_path / "emotion.npz"
    if damage == "garbage":
        broken.write_bytes(b"this is not a zip file")
    elif damage == "truncated":
        broken.write_bytes(ARTIFACT.read_bytes()[:100_000])
    else:
        with np.load(ARTIFACT) as npz:
            arrays = {key: npz[key] for key in npz.files}
        if damage == "missing-array":
            del arrays["thresholds"]
        else:
            arrays["bias"] = arrays["bias"][:5]
        np.savez(broken, **arrays)
    with pytest.raises(DataFileError) as info:
        EmotionModel.load(broken)
    assert str(broken) in str(info.value)
    assert RETRAIN in str(info.value)


def test_the_artifact_holds_no_pickles() -> None:
    with zipfile.ZipFile(ARTIFACT) as npz:
        names = sorted(npz.namelist())
    assert names == sorted(
        f"{k}.npy"
        for k in ("version", "labels", "vocabulary", "idf", "weights", "bias", "thresholds")
    )
    with np.load(ARTIFACT, allow_pickle=False) as npz:
        assert all(npz[key].dtype != object for key in npz.files)


def test_the_shipped_feelings_file_maps_every_label(model: EmotionModel) -> None:
    fmap = FeelingMap.load()
    assert set(fmap.by_label) == set(model.labels)
    assert fmap.by_label["neutral"] == ()
    for word in ("lonely", "exhausted", "stuck", "overwhelmed"):
        assert word in fmap.cues


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('amusement = ["amused"]', 'amusement = ["amused"'),  # TOML syntax error
        ('amusement = ["amused"]', 'amusement = ["neutral"]'),  # neutral named as a feeling
        ('amusement = ["amused"]', 'amusement = ["a bit amused"]'),  # not one word
        ("cue_strength = 0.9", ""),  # a rule missing
    ],
)
def test_a_malformed_feelings_file_raises(tmp_path: Path, old: str, new: str) -> None:
    text = FEELINGS.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "feelings.toml"
    broken.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(DataFileError, match="feelings.toml"):
        FeelingMap.load(broken)


def test_inference_needs_no_scikit_learn(tmp_path: Path) -> None:
    shutil.copy(ARTIFACT, tmp_path / "emotion.npz")
    script = (
        "import sys; sys.modules['sklearn'] = None; sys.modules['scipy'] = None\n"
        "from pathlib import Path\n"
        "from confidante.listening.emotion import EmotionModel\n"
        f"print(EmotionModel.load(Path({str(tmp_path / 'emotion.npz')!r})).feelings('I feel alone'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "lonely" in done.stdout
