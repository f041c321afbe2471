"""Train Confidante's risk model and write it to src/confidante/safety/models/risk.npz.

Reproducible: the splits are fixed by CRC-32 of stable ids (no random state), the solver is
deterministic, and the features are the package's own (``confidante.safety.model``).

Data (../shared/datasets, see each SOURCE.md):
  positives  SDCNL r/SuicideWatch posts (train part); posts of C-SSRS Ideation/Behavior/Attempt
             users (train users)
  negatives  SDCNL r/depression posts (train part); posts of C-SSRS Supportive/Indicator users
             (train users); ESConv *train* seeker turns (train part) as ordinary venting;
             a fixed sample of GoEmotions train comments
Held out, never trained on: 40% of the C-SSRS users (stratified by label), 20% of SDCNL train,
15% of ESConv train conversations (threshold tuning) and all of ESConv valid (reporting).

Example usage:
    .venv/bin/python scripts/train_risk.py            # train, pick thresholds, write the model
    .venv/bin/python scripts/train_risk.py --dry-run  # train and report, write nothing
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from confidante.safety.lexicon import Lexicon
from confidante.safety.model import FEATURE_VERSION, MODEL_FILE, feature_rows

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"  # beside the checkout
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "confidante" / "safety" / MODEL_FILE
NAME = "risk_lr_v1"
BUCKETS = 1 << 18
POSITIVE_LABELS = ("Ideation", "Behavior", "Attempt")
# Thresholds, all set on held-out ESConv *train* turns (ordinary venting, never ESConv valid):
# the model alone may call ELEVATED_FA of them elevated (half of the 2% false-alarm budget, the
# other half is left to the lexicon and context), SUPPORT_FA may lift an ambiguous lexicon match,
# LOW_FA may be called low. A missed crisis costs more than a gentle check-in, so the model
# spends its budget on sensitivity. The out-of-fold recall of C-SSRS *train* users at the chosen
# threshold is printed as a check.
ELEVATED_FA = 0.01
SUPPORT_FA = 0.02
LOW_FA = 0.05
FOLDS = 5


def bucket(key: str) -> int:
    """A stable 0..99 bucket for a split (CRC-32, never Python's salted hash)."""
    return zlib.crc32(key.encode("utf-8")) % 100


@dataclass(frozen=True)
class User:
    """One C-SSRS user: label and posts."""

    user: str
    label: str
    posts: tuple[str, ...]


def _posts(cell: str) -> tuple[str, ...]:
    try:
        value = ast.literal_eval(cell)
        if isinstance(value, list):
            return tuple(str(p) for p in value if str(p).strip())
    except (ValueError, SyntaxError):
        pass
    # 28 rows hold unescaped quotes: split on the list separator instead.
    inner = cell.strip()[2:-2]
    return tuple(p for p in inner.split("', '") if p.strip())


def load_cssrs(data: Path = DATA) -> list[User]:
    """The 400 C-SSRS users available here."""
    csv.field_size_limit(1 << 30)
    path = data / "suicide_cssrs_reddit500" / "500_Reddit_users_posts_labels.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return [User(r["User"], r["Label"], _posts(r["Post"])) for r in csv.DictReader(fh)]


def split_cssrs(users: list[User]) -> tuple[list[User], list[User]]:
    """(train, test): per label, the 40% of users with the lowest CRC-32 of their id are test."""
    train: list[User] = []
    test: list[User] = []
    for label in sorted({u.label for u in users}):
        group = sorted(
            (u for u in users if u.label == label), key=lambda u: zlib.crc32(u.user.encode())
        )
        cut = round(len(group) * 0.4)
        test.extend(group[:cut])
        train.extend(group[cut:])
    return train, test


def load_sdcnl(data: Path = DATA) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(train, dev) of (title + body, is_suicide); usernames and URLs are dropped on reading."""
    csv.field_size_limit(1 << 30)
    train: list[tuple[str, int]] = []
    dev: list[tuple[str, int]] = []
    path = data / "suicide_vs_depression_sdcnl" / "training-set.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            text = f"{r['title']}. {r['selftext']}".strip()
            item = (text, int(r["is_suicide"]))
            (dev if bucket("sdcnl:" + r["title"] + r["selftext"][:200]) < 20 else train).append(
                item
            )
    return train, dev


def load_esconv(split: str, data: Path = DATA) -> list[list[str]]:
    """Seeker turns of each ESConv conversation of a split ("train" or "valid")."""
    out = []
    with (data / "esconv" / f"{split}.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                out.append([t["text"] for t in d["dialog"] if t["speaker"] == "usr"])
    return out


def split_esconv_train(convs: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """(train, dev) by conversation: dev is 15%, used only to choose thresholds."""
    train: list[list[str]] = []
    dev: list[list[str]] = []
    for i, c in enumerate(convs):
        (dev if bucket(f"esconv:{i}:{c[0] if c else ''}") < 15 else train).append(c)
    return train, dev


def load_goemotions(data: Path = DATA, every: int = 4) -> list[str]:
    """Every ``every``-th GoEmotions train comment (a fixed sample of ordinary Reddit talk)."""
    with (data / "goemotions" / "train.tsv").open(encoding="utf-8") as fh:
        rows = [line.split("\t")[0] for line in fh]
    return rows[::every]


@dataclass
class TrainingSet:
    """Texts with labels, weights, and the C-SSRS user each text belongs to ("" if none)."""

    texts: list[str]
    labels: list[int]
    weights: list[float]
    users: list[str]
    counts: dict[str, int]


def training_set(lexicon: Lexicon, data: Path) -> TrainingSet:
    """Every training text, from the sources and parts named in the module docstring."""
    ts = TrainingSet([], [], [], [], {})

    def add(
        source: str, items: list[str], label: int, weight: float, users: list[str] | None = None
    ) -> None:
        ts.counts[source] = ts.counts.get(source, 0) + len(items)
        ts.texts.extend(items)
        ts.labels.extend([label] * len(items))
        ts.weights.extend([weight] * len(items))
        ts.users.extend(users if users is not None else [""] * len(items))

    sd_train, _ = load_sdcnl(data)
    add("sdcnl_suicide", [t for t, y in sd_train if y == 1], 1, 1.0)
    add("sdcnl_depression", [t for t, y in sd_train if y == 0], 0, 1.0)
    cs_train, _ = split_cssrs(load_cssrs(data))
    # User labels are noisy for single posts (many are replies to others): weigh them less.
    for positive, source in ((True, "cssrs_pos_posts"), (False, "cssrs_neg_posts")):
        group = [u for u in cs_train if (u.label in POSITIVE_LABELS) is positive]
        posts = [p for u in group for p in u.posts]
        owners = [u.user for u in group for _ in u.posts]
        add(source, posts, int(positive), 0.5, owners)
    es_train, _ = split_esconv_train(load_esconv("train", data))
    # Seeker turns the lexicon already calls a crisis may be genuine disclosures: not negatives.
    venting = [t for c in es_train for t in c if not _lexicon_crisis(lexicon, t)]
    add("esconv_train_seeker", venting, 0, 1.0)
    add(
        "goemotions_sample",
        [t for t in load_goemotions(data) if not _lexicon_crisis(lexicon, t)],
        0,
        1.0,
    )
    return ts


def _lexicon_crisis(lexicon: Lexicon, text: str) -> bool:
    scan = lexicon.scan(text)
    return any(h.rule.level.rank >= 2 and not h.past for h in scan.hits)


def _prepare(lexicon: Lexicon) -> Callable[[str], str]:
    # Exactly what the guard scores at run time: slang spelled out, idioms and negations blanked.
    return lambda t: lexicon.scan(t).prepared


def matrix(texts: list[str], lexicon: Lexicon) -> Any:
    """The sparse feature matrix the run-time model sees."""
    from scipy.sparse import csr_matrix

    rows, cols, vals = feature_rows(texts, BUCKETS, _prepare(lexicon))
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), BUCKETS), dtype=np.float64)


def threshold_for(scores: np.ndarray, rate: float) -> float:
    """The lowest probability that flags at most ``rate`` of ``scores``."""
    s = np.sort(scores)[::-1]
    k = int(np.floor(rate * len(s)))
    return float(s[k]) + 1e-6 if k < len(s) else 0.0


def main(argv: list[str] | None = None) -> int:
    """Train, choose thresholds, write the model (unless --dry-run) and print a summary."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--c", type=float, default=16.0, help="inverse regularisation strength")
    parser.add_argument("--max-weights", type=int, default=40000, help="keep the largest N weights")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    started = time.monotonic()
    lexicon = Lexicon.load()
    ts = training_set(lexicon, args.data)
    x = matrix(ts.texts, lexicon)
    y = np.array(ts.labels)
    coef, bias = fit(x, y, np.array(ts.weights), args.c)
    keep = np.argsort(-np.abs(coef), kind="stable")[: args.max_weights]
    keep = np.sort(keep[np.abs(coef[keep]) > 0])
    pruned = np.zeros_like(coef)
    pruned[keep] = coef[keep]

    # ESConv train conversations held out for tuning (never ESConv valid).
    _, es_dev = split_esconv_train(load_esconv("train", args.data))
    dev_turns = [t for c in es_dev for t in c]
    dev_p = _probabilities(matrix(dev_turns, lexicon), pruned, bias)
    elevated = threshold_for(dev_p, ELEVATED_FA)
    oof_recall = oof_user_recall(lexicon, ts, x, y, args.c, elevated)
    thresholds = {
        "elevated": elevated,
        "support": min(max(threshold_for(dev_p, SUPPORT_FA), 0.3), elevated),
        "low": min(max(threshold_for(dev_p, LOW_FA), 0.2), elevated),
    }
    _, sd_dev = load_sdcnl(args.data)
    sd_p = _probabilities(matrix([t for t, _ in sd_dev], lexicon), pruned, bias)
    sd_y = np.array([yy for _, yy in sd_dev])
    summary: dict[str, object] = {
        "name": NAME,
        "counts": ts.counts,
        "weights_kept": int(len(keep)),
        "buckets": BUCKETS,
        "thresholds": thresholds,
        "cssrs_train_oof_user_recall_at_elevated": oof_recall,
        "esconv_train_dev_turns": len(dev_turns),
        "esconv_train_dev_model_elevated_rate": round(float((dev_p >= elevated).mean()), 4),
        "sdcnl_dev_auc": _auc(sd_p, sd_y),
        "seconds": round(time.monotonic() - started, 1),
    }
    if not args.dry_run:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            args.out,
            name=np.array(NAME),
            feature_version=np.array(FEATURE_VERSION),
            buckets=np.array(BUCKETS),
            index=keep.astype(np.int32),
            value=coef[keep].astype(np.float16),
            bias=np.array(bias),
            threshold_low=np.array(thresholds["low"]),
            threshold_elevated=np.array(thresholds["elevated"]),
            threshold_support=np.array(thresholds["support"]),
        )
        summary["bytes"] = args.out.stat().st_size
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


def fit(x: Any, y: np.ndarray, w: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """Fit the logistic regression with the classes balanced by total sample weight."""
    from sklearn.linear_model import LogisticRegression

    w = np.where(y == 1, w * (float(w[y == 0].sum()) / float(w[y == 1].sum())), w)
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=2000)
    clf.fit(x, y, sample_weight=w)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def oof_user_recall(
    lexicon: Lexicon, ts: TrainingSet, x: Any, y: np.ndarray, c: float, threshold: float
) -> float:
    """User-level recall of C-SSRS *train* users, each scored by a model trained without them.

    A user counts as found when the lexicon flags any of their posts or the model (trained
    without that user's fold of 5) scores any post at or above ``threshold``.
    """
    fold = np.array([bucket("fold:" + u) % FOLDS if u else -1 for u in ts.users])
    oof = np.zeros(len(ts.texts))
    weights = np.array(ts.weights)
    for k in range(FOLDS):
        inside = fold == k
        coef, bias = fit(x[~inside], y[~inside], weights[~inside], c)
        oof[inside] = _probabilities(x[inside], coef, bias)
    found: dict[str, bool] = {}
    positive: dict[str, bool] = {}
    for i in np.flatnonzero(fold >= 0):
        u = ts.users[i]
        hit = oof[i] >= threshold or _lexicon_crisis(lexicon, ts.texts[i])
        found[u] = found.get(u, False) or bool(hit)
        positive[u] = bool(y[i])
    pos = [u for u in found if positive[u]]
    return round(sum(found[u] for u in pos) / len(pos), 4)


def _probabilities(x: Any, coef: np.ndarray, bias: float) -> np.ndarray:
    # Same arithmetic as RiskModel.probability: rows are already unit length.
    z = np.asarray(x @ coef.astype(np.float64), dtype=np.float64) + bias
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(labels, scores)), 4)


if __name__ == "__main__":
    raise SystemExit(main())
