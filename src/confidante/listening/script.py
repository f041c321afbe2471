"""The policy's script: rule order, weights by reason id, limits, chances and word sets.

Read from ``data/policy.toml`` once per process, so the listening method can be tuned and
reviewed without touching Python (ELIZA's script apart from its engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from confidante.errors import DataFileError
from confidante.listening.lexicon import read_toml


@dataclass(frozen=True)
class Script:
    """The policy's data, immutable and shared between sessions."""

    order: tuple[str, ...]
    limits: dict[str, int]
    weights: dict[str, float]
    chances: dict[str, float]
    heavy: frozenset[str]
    positive: frozenset[str]
    passing: frozenset[str]
    concrete: frozenset[str]
    tender: frozenset[str]
    meanings: frozenset[str]
    states: frozenset[str]
    hard: tuple[str, ...]

    def weight(self, reason: str) -> float:
        """The weight of a candidate made for rule ``reason``."""
        try:
            return self.weights[reason]
        except KeyError:
            raise DataFileError(
                f"data/policy.toml: no weight for '{reason}' under [weights]; add one."
            ) from None


@cache
def load_script() -> Script:
    """Read ``data/policy.toml`` once per process."""
    data = read_toml("policy.toml")
    try:
        sets = data["sets"]
        topics = data["topic_sets"]
        return Script(
            order=tuple(data["order"]),
            limits={k: int(v) for k, v in data["limits"].items()},
            weights={k: float(v) for k, v in data["weights"].items()},
            chances={k: float(v) for k, v in data["chances"].items()},
            heavy=frozenset(sets["heavy"]),
            positive=frozenset(sets["positive"]),
            passing=frozenset(sets["passing"]),
            concrete=frozenset(topics["concrete"]),
            tender=frozenset(topics["tender"]),
            meanings=frozenset(topics["meanings"]),
            states=frozenset(sets["states"]),
            hard=tuple(sets["hard"]),
        )
    except (KeyError, TypeError, ValueError) as ex:
        raise DataFileError(
            f"data/policy.toml: missing or malformed entry {ex}; fix the file and try again."
        ) from None
