"""The emotion model: GoEmotions labels and plain listener feelings for one message.

``models/emotion.npz`` is written by ``scripts/train_emotion.py``: a TF-IDF vocabulary over word
unigrams and bigrams, its idf weights, and one logistic-regression row per GoEmotions label with a
threshold tuned on the dev split. Scoring here is the same arithmetic scikit-learn does
(sublinear tf, idf, L2 norm, dot product, sigmoid) in numpy alone, so nothing beyond numpy is
needed at run time; the training script checks that both agree.

``data/feelings.toml`` turns labels into words that fit after "you feel ..." and adds short cue
lists for feelings GoEmotions has no label for (lonely, exhausted, stuck ...). Nothing here keeps
or logs the text it is given.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from confidante.conversation import normalise_apostrophes
from confidante.datafiles import load_toml
from confidante.errors import DataFileError
from confidante.text import negation

#: Bumped whenever the layout of ``emotion.npz`` changes; a mismatch asks for a retrain.
ARTIFACT_VERSION = 1
RETRAIN = "python scripts/train_emotion.py"
#: The label that means "no emotion"; it never becomes a feeling.
NEUTRAL = "neutral"

_PACKAGE = "confidante.listening"
_ARTIFACT = ("models", "emotion.npz")
_FEELINGS = ("data", "feelings.toml")
_ARRAYS = ("version", "labels", "vocabulary", "idf", "weights", "bias", "thresholds")

# Words with inner apostrophes stay whole ("don't", "i'm"); "!" and "?" and emoji carry feeling.
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[!?]|[\u2600-\u27bf\U0001f300-\U0001faff]")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text``; deterministic, shared by training and scoring."""
    return _TOKEN.findall(normalise_apostrophes(unicodedata.normalize("NFKC", text)).lower())


def text_features(text: str) -> list[str]:
    """The model's terms for ``text``: word unigrams then bigrams, repeats kept (they count)."""
    words = tokens(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass(frozen=True)
class FeelingMap:
    """Reviewed wording: label -> feeling words, and cue phrases for feelings without a label."""

    by_label: Mapping[str, tuple[str, ...]]
    cues: Mapping[str, tuple[tuple[str, ...], ...]]  # feeling -> phrases as token tuples
    cue_strength: float  # the score a matched cue gets, on the probability scale
    model_floor: float  # a label below this probability names no feeling, whatever its threshold
    negators: frozenset[str]  # a cue right after one of these ("not alone") does not count
    negation_window: int
    frames: tuple[tuple[str, ...], ...] = ()  # "tired of" before a cue: a feeling left behind
    after: tuple[tuple[str, ...], ...] = ()  # "anymore" after a cue: a feeling that has passed
    after_window: int = 0
    after_stops: frozenset[str] = frozenset()  # words that end the window after a cue
    # Cue phrases indexed by their first word, so a message is scanned once.
    starts: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(init=False, repr=False)
    own_words: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for feeling, phrases in self.cues.items():
            for phrase in phrases:
                index.setdefault(phrase[0], []).append((feeling, phrase))
        object.__setattr__(self, "starts", {w: tuple(e) for w, e in index.items()})
        # A feeling's own word ("happy", "proud") is no cue (the model reads it), but when the
        # person negates it, the model's reading of that word must not be said back.
        own = {w for ws in self.by_label.values() for w in ws} | set(self.cues)
        object.__setattr__(self, "own_words", frozenset(own - set(index)))

    @classmethod
    def load(cls, path: Path | None = None) -> FeelingMap:
        """Read ``data/feelings.toml`` (or ``path``); a malformed file raises DataFileError."""
        name = str(path) if path else "listening/" + "/".join(_FEELINGS)
        if path is None:
            data = load_toml(_PACKAGE, "/".join(_FEELINGS))  # the one shared loader
            try:
                return cls._parse(data)
            except (KeyError, TypeError, ValueError, AttributeError) as ex:
                raise DataFileError(f"{name}: bad or missing entry ({ex}); fix the file") from None
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataFileError(
                f"{name} is missing; reinstall confidante (pip install -e .)"
            ) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as ex:
            raise DataFileError(f"{name}: {ex}; fix the file and try again") from None
        try:
            return cls._parse(data)
        except (KeyError, TypeError, ValueError, AttributeError) as ex:
            raise DataFileError(f"{name}: bad or missing entry ({ex}); fix the file") from None

    @classmethod
    def _parse(cls, data: dict[str, Any]) -> FeelingMap:
        by_label = {str(k): _words(v, k) for k, v in data["labels"].items()}
        rules = data["rules"]
        cues = {
            str(feeling): tuple(tuple(tokens(p)) for p in _words(phrases, feeling))
            for feeling, phrases in data["cues"].items()
        }
        for feeling in [*cues, *(w for ws in by_label.values() for w in ws)]:
            if feeling == NEUTRAL or not re.fullmatch(r"[a-z]+", feeling):
                raise ValueError(f"{feeling!r} is not a feeling word")
        if any(not phrase for phrases in cues.values() for phrase in phrases):
            raise ValueError("a cue phrase has no words")
        return cls(
            by_label=by_label,
            cues=cues,
            cue_strength=float(rules["cue_strength"]),
            model_floor=float(rules["model_floor"]),
            negators=negation().negators | frozenset(_words(rules["negators"], "negators")),
            negation_window=int(rules["negation_window"]),
            frames=tuple(tuple(tokens(f)) for f in _words(rules.get("frames", []), "frames")),
            after=tuple(tuple(tokens(a)) for a in _words(rules.get("after", []), "after")),
            after_window=int(rules.get("after_window", 0)),
            after_stops=frozenset(_words(rules.get("after_stops", []), "after_stops")),
        )

    def cue_feelings(self, words: list[str]) -> dict[str, float]:
        """Feelings cued (not negated) in ``words``, first mentioned first, with their strength."""
        return self._cued(words)[0]

    def negated_feelings(self, words: list[str]) -> frozenset[str]:
        """Feelings cued in ``words`` only where negated ("I don't feel happy anymore")."""
        cued, negated = self._cued(words)
        return frozenset(negated - cued.keys())

    def _cued(self, words: list[str]) -> tuple[dict[str, float], set[str]]:
        starts = self.starts
        first: dict[str, int] = {}
        negated: set[str] = set()
        for i, word in enumerate(words):
            if word in self.own_words and self._negated(words, i, i + 1):
                negated.add(word)
            for feeling, phrase in starts.get(word, ()):
                if feeling in first or tuple(words[i : i + len(phrase)]) != phrase:
                    continue
                if self._negated(words, i, i + len(phrase)):
                    negated.add(feeling)
                else:
                    first[feeling] = i
        # Ties (two feelings cued at one word) keep the order of the cue lists.
        order = {feeling: n for n, feeling in enumerate(self.cues)}
        ranked = sorted(first, key=lambda f: (first[f], order[f]))
        return {feeling: self.cue_strength for feeling in ranked}, negated

    def _negated(self, words: list[str], start: int, end: int) -> bool:
        """True when the cue at ``words[start:end]`` is negated, left behind or past."""
        before = words[max(0, start - self.negation_window) : start]
        if self.negators.intersection(before) or any(_has(before, f) for f in self.frames):
            return True
        after: list[str] = []
        for word in words[end : end + self.after_window]:
            if word in self.after_stops:
                break
            after.append(word)
        return any(_has(after, a) for a in self.after)


def _has(words: list[str], phrase: tuple[str, ...]) -> bool:
    """True when ``phrase`` occurs in ``words`` as consecutive words."""
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def _words(value: object, key: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TypeError(f"{key!r} must be a list of non-empty strings")
    return tuple(value)


class EmotionModel:
    """A loaded emotion model; immutable after loading, safe to share between sessions."""

    labels: tuple[str, ...]

    def __init__(
        self,
        labels: tuple[str, ...],
        vocabulary: Mapping[str, int],
        idf: npt.NDArray[np.float64],
        weights: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
        thresholds: npt.NDArray[np.float64],
        feeling_map: FeelingMap,
    ) -> None:
        self.labels = labels
        self._index = vocabulary
        self._idf = idf
        self._weights = weights
        self._bias = bias
        self._thresholds = thresholds
        self._feeling_map = feeling_map

    @classmethod
    def load(cls, path: Path | None = None) -> EmotionModel:
        """Load ``path``, or by default the packaged ``models/emotion.npz``."""
        feeling_map = FeelingMap.load()
        if path is None:
            with resources.as_file(resources.files(_PACKAGE).joinpath(*_ARTIFACT)) as packaged:
                arrays = _read_artifact(packaged, "listening/" + "/".join(_ARTIFACT))
        else:
            arrays = _read_artifact(path, str(path))
        labels = tuple(arrays["labels"])
        unmapped = set(labels) ^ set(feeling_map.by_label)
        if unmapped:
            raise DataFileError(
                f"listening/{'/'.join(_FEELINGS)}: labels {sorted(unmapped)} do not match the "
                f"emotion model; fix the file or retrain with `{RETRAIN}`"
            )
        vocabulary = {term: i for i, term in enumerate(arrays["vocabulary"])}
        return cls(
            labels,
            vocabulary,
            arrays["idf"],
            arrays["weights"],
            arrays["bias"],
            arrays["thresholds"],
            feeling_map,
        )

    def scores(self, text: str) -> npt.NDArray[np.float64] | None:
        """Probability per label in ``labels`` order; None when no term of ``text`` is known."""
        counts = Counter(t for t in text_features(text) if t in self._index)
        if not counts:
            return None
        idx = np.fromiter((self._index[t] for t in counts), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        x = (1.0 + np.log(tf)) * self._idf[idx]
        x /= np.sqrt(x @ x)
        z = x @ self._weights[idx] + self._bias
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return result

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability of each of the 28 labels; the model's priors when no word is known."""
        probs = self.scores(text)
        if probs is None:
            probs = 1.0 / (1.0 + np.exp(-self._bias.astype(np.float64)))
        return dict(zip(self.labels, probs.tolist(), strict=True))

    def labels_for(self, text: str) -> tuple[str, ...]:
        """Labels at or above their tuned thresholds, most probable first; () for unknown text."""
        probs = self.scores(text)
        if probs is None:
            return ()
        hits = np.flatnonzero(probs >= self._thresholds)
        ranked = sorted(hits.tolist(), key=lambda i: (-probs[i], i))
        return tuple(self.labels[i] for i in ranked)

    def feelings(self, text: str, limit: int = 2) -> tuple[str, ...]:
        """Listener feeling words for ``text``, strongest first: model labels plus cue words.

        A cue scores ``cue_strength``; a label scores its probability when that reaches both its
        threshold and ``model_floor``. Ties keep cues first, in the order the person said them.
        """
        fmap = self._feeling_map
        strength, negated = fmap._cued(tokens(text))
        probs = self.scores(text)
        if probs is not None:
            passed = np.flatnonzero((probs >= self._thresholds) & (probs >= fmap.model_floor))
            for i in sorted(passed.tolist(), key=lambda i: (-probs[i], i)):
                for feeling in fmap.by_label[self.labels[i]]:
                    if feeling in negated and feeling not in strength:
                        continue  # the person said they do not feel it: the model read the word
                    strength[feeling] = max(strength.get(feeling, 0.0), float(probs[i]))
        ranked = sorted(strength, key=lambda feeling: -strength[feeling])  # stable: ties keep order
        return tuple(ranked[: max(limit, 0)])


def _read_artifact(path: Path, name: str) -> dict[str, Any]:
    """The arrays of an ``emotion.npz``, checked; any fault raises DataFileError naming it."""
    if not path.is_file():
        raise DataFileError(f"{name} is missing; build it with `{RETRAIN}`")
    try:
        with np.load(path, allow_pickle=False) as npz:
            raw = {key: npz[key] for key in _ARRAYS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as ex:
        reason = type(ex).__name__
        raise DataFileError(f"{name} is corrupt ({reason}); rebuild it with `{RETRAIN}`") from None
    if int(raw["version"]) != ARTIFACT_VERSION:
        raise DataFileError(
            f"{name} has format {int(raw['version'])}, expected {ARTIFACT_VERSION}; "
            f"rebuild it with `{RETRAIN}`"
        )
    try:
        vocabulary = bytes(raw["vocabulary"]).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        raise DataFileError(
            f"{name} is corrupt (vocabulary); rebuild it with `{RETRAIN}`"
        ) from None
    n_terms, n_labels = len(vocabulary), len(raw["labels"])
    shapes_ok = (
        raw["weights"].shape == (n_terms, n_labels)
        and raw["idf"].shape == (n_terms,)
        and raw["bias"].shape == raw["thresholds"].shape == (n_labels,)
        and raw["labels"].dtype.kind == "U"
    )
    if not shapes_ok:
        raise DataFileError(f"{name} is corrupt (array shapes); rebuild it with `{RETRAIN}`")
    return {
        "labels": [str(label) for label in raw["labels"]],
        "vocabulary": vocabulary,
        # float64 for scoring: the arrays are small and this keeps parity with scikit-learn.
        "idf": raw["idf"].astype(np.float64),
        "weights": raw["weights"].astype(np.float64),
        "bias": raw["bias"].astype(np.float64),
        "thresholds": raw["thresholds"].astype(np.float64),
    }


@functools.cache
def default_model() -> EmotionModel:
    """The packaged model, loaded once per process."""
    return EmotionModel.load()
