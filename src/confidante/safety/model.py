"""The trained risk model: a logistic regression over hashed word n-grams, numpy only at run time.

Features are word unigrams and bigrams of the lexicon-prepared text (slang spelled out, idioms
blanked), hashed into a fixed number of buckets with CRC-32 (never Python's salted ``hash()``),
present/absent and scaled to unit length. ``scripts/train_risk.py`` fits the weights with
scikit-learn and writes them, sparsely, to ``models/risk.npz``; this module only adds them up.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from confidante.errors import DataFileError
from confidante.safety.datafiles import resource
from confidante.safety.text import tokens

MODEL_FILE = "models/risk.npz"
FEATURE_VERSION = 1


def feature_ids(prepared: str, buckets: int) -> list[int]:
    """Sorted distinct bucket ids of the unigrams and bigrams of prepared text."""
    words = tokens(prepared)
    grams: list[str] = list(words)
    grams.extend(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return sorted({zlib.crc32(g.encode("utf-8")) % buckets for g in grams})


def feature_rows(
    texts: Iterable[str], buckets: int, prepare: Callable[[str], str]
) -> tuple[list[int], list[int], list[float]]:
    """Rows, columns and values of the unit-length feature matrix, for training (scipy COO)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, text in enumerate(texts):
        ids = feature_ids(prepare(text), buckets)
        if not ids:
            continue
        v = 1.0 / math.sqrt(len(ids))
        rows.extend([i] * len(ids))
        cols.extend(ids)
        vals.extend([v] * len(ids))
    return rows, cols, vals


@dataclass(frozen=True)
class RiskModel:
    """A loaded model: weights per bucket, a bias and the thresholds chosen on a dev split."""

    name: str
    weights: npt.NDArray[np.float32]
    bias: float
    low: float  # probability at or above which the model alone says "low"
    elevated: float  # probability at or above which the model alone says "elevated"
    support: float  # probability at which it lifts an ambiguous lexicon match to elevated

    @property
    def buckets(self) -> int:
        """Number of hash buckets."""
        return int(self.weights.shape[0])

    def probability(self, prepared: str) -> float:
        """Probability that prepared text expresses suicidal ideation or behaviour."""
        ids = feature_ids(prepared, self.buckets)
        if not ids:
            return 1.0 / (1.0 + math.exp(-self.bias))
        z = self.bias + float(self.weights[ids].sum()) / math.sqrt(len(ids))
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def load(cls) -> RiskModel | None:
        """The packaged model, or None when the package was built without one."""
        return _load()


@cache
def _load() -> RiskModel | None:
    source = resource(MODEL_FILE)
    if not source.is_file():
        return None
    try:
        with source.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
            buckets = int(data["buckets"])
            if int(data["feature_version"]) != FEATURE_VERSION:
                raise DataFileError(
                    f"safety/{MODEL_FILE} was trained for other features; "
                    "run scripts/train_risk.py again"
                )
            weights = np.zeros(buckets, dtype=np.float32)
            weights[data["index"].astype(np.int64)] = data["value"].astype(np.float32)
            return RiskModel(
                name=str(data["name"]),
                weights=weights,
                bias=float(data["bias"]),
                low=float(data["threshold_low"]),
                elevated=float(data["threshold_elevated"]),
                support=float(data["threshold_support"]),
            )
    except (KeyError, ValueError, OSError) as ex:
        raise DataFileError(
            f"safety/{MODEL_FILE} is unreadable ({type(ex).__name__}); "
            "run scripts/train_risk.py again"
        ) from None
