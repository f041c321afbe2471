"""EPITOME empathy scorers for ``confidante eval``: rough bag-of-words proxies, not judges.

Three logistic regressions over TF-IDF unigrams and bigrams of a reply (the emotion model's
tokenizer), one per EPITOME mechanism: Emotional Reactions (warmth), Interpretations (showing
understanding) and Explorations (asking into feelings). Each gives the probability that a reply
communicates the mechanism at all (level 1 or 2). Trained by ``scripts/train_epitome.py`` on
Reddit replies split by seeker post; see ``models/EPITOME_MODEL_CARD.md``. A reply written to
please these scorers reads worse to a person: they only show what is measured.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from confidante.errors import DataFileError
from confidante.listening.emotion import text_features

MECHANISMS = ("emotional_reactions", "interpretations", "explorations")
_ARTIFACT = ("models", "epitome.npz")


@dataclass(frozen=True)
class EmpathyScorer:
    """Scores replies on the three EPITOME mechanisms."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]  # (mechanisms, vocabulary)
    bias: npt.NDArray[np.float64]  # (mechanisms,)

    def scores(self, reply: str) -> dict[str, float]:
        """Probability that ``reply`` communicates each mechanism."""
        counts = Counter(t for t in text_features(reply) if t in self.vocabulary)
        idx = np.array([self.vocabulary[t] for t in counts], dtype=np.int64)
        vals = np.array([1.0 + math.log(c) for c in counts.values()]) * self.idf[idx]
        norm = float(np.linalg.norm(vals)) or 1.0
        z = self.weights[:, idx] @ (vals / norm) + self.bias if len(idx) else self.bias
        p = 1.0 / (1.0 + np.exp(-z))
        return {m: float(x) for m, x in zip(MECHANISMS, p, strict=True)}


@cache
def load_scorer() -> EmpathyScorer | None:
    """The packaged scorers, or None when ``models/epitome.npz`` has not been trained."""
    path = resources.files("confidante.listening").joinpath(*_ARTIFACT)
    if not path.is_file():
        return None
    try:
        with path.open("rb") as f:
            data = np.load(f, allow_pickle=False)
            vocab = [str(v) for v in data["vocabulary"]]
            return EmpathyScorer(
                vocabulary={t: i for i, t in enumerate(vocab)},
                idf=data["idf"].astype(np.float64),
                weights=data["weights"].astype(np.float64),
                bias=data["bias"].astype(np.float64),
            )
    except (KeyError, ValueError, OSError) as ex:
        raise DataFileError(
            f"listening/models/epitome.npz is unreadable ({type(ex).__name__}); "
            "retrain with scripts/train_epitome.py."
        ) from None
