"""Train the EPITOME empathy scorers and write ``listening/models/epitome.npz`` and its card.

Usage: python scripts/train_epitome.py [--data DIR]

For each mechanism (Emotional Reactions, Interpretations, Explorations) a logistic regression on
TF-IDF unigrams and bigrams of the reply predicts "communicates it at all" (level >= 1). The
three files share (seeker, reply) pairs; the split groups by seeker post (80/20, seeded), so no
seeker's post is on both sides. Sublinear TF and l2 norm, as ``EmpathyScorer`` scores them.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

from confidante.listening.emotion import text_features
from confidante.listening.empathy import MECHANISMS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "epitome"
OUT = ROOT / "src" / "confidante" / "listening" / "models"
FILES = {
    "emotional_reactions": "emotional-reactions-reddit.csv",
    "interpretations": "interpretations-reddit.csv",
    "explorations": "explorations-reddit.csv",
}


def _rows(path: Path) -> dict[tuple[str, str], tuple[str, int]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {
            (r["sp_id"], r["rp_id"]): (r["response_post"], int(r["level"]))
            for r in csv.DictReader(f)
        }


def main() -> None:
    """Train, evaluate on held-out seeker posts, write the artifact and the card."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args()
    tables = {m: _rows(args.data / FILES[m]) for m in MECHANISMS}
    keys = sorted(set.intersection(*(set(t) for t in tables.values())))
    seekers = sorted({sp for sp, _ in keys})
    random.Random(11).shuffle(seekers)
    held = set(seekers[: len(seekers) // 5])
    train = [k for k in keys if k[0] not in held]
    test = [k for k in keys if k[0] in held]
    text = {k: tables[MECHANISMS[0]][k][0] for k in keys}
    vec = TfidfVectorizer(analyzer=text_features, min_df=2, sublinear_tf=True, norm="l2")
    x_train = vec.fit_transform([text[k] for k in train])
    x_test = vec.transform([text[k] for k in test])
    weights, bias, lines = [], [], []
    for m in MECHANISMS:
        y_train = np.array([tables[m][k][1] >= 1 for k in train])
        y_test = np.array([tables[m][k][1] >= 1 for k in test])
        clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", random_state=0)
        clf.fit(x_train, y_train)
        p = clf.predict_proba(x_test)[:, 1]
        auc = roc_auc_score(y_test, p)
        f1 = f1_score(y_test, p >= 0.5)
        lines.append(f"| {m} AUC | {auc:.3f} |")
        lines.append(f"| {m} F1 | {f1:.3f} |")
        lines.append(f"| {m} mean score, held-out human replies | {p.mean():.3f} |")
        weights.append(clf.coef_[0])
        bias.append(clf.intercept_[0])
    vocab = vec.get_feature_names_out()
    np.savez_compressed(
        OUT / "epitome.npz",
        vocabulary=np.array([str(v) for v in vocab], dtype=np.str_),
        idf=vec.idf_.astype(np.float32),
        weights=np.array(weights, dtype=np.float32),
        bias=np.array(bias, dtype=np.float32),
    )
    card = [
        "# EPITOME empathy scorers (bag-of-words proxies)",
        "",
        "Trained by `scripts/train_epitome.py` on the Reddit portion of EPITOME (Sharma et al.,",
        "EMNLP 2020; licence unclear, treated as non-commercial research: see",
        "`../shared/datasets/epitome/SOURCE.md`). Used only by `confidante eval`, never in a turn.",
        f"Split by seeker post: {len(train)} train pairs, {len(test)} held-out pairs "
        f"({len(held)} seeker posts). Label: level >= 1 (weak or strong).",
        "",
        "## Results (held-out seeker posts)",
        "",
        "| metric | value |",
        "|---|---|",
        *lines,
        "",
        "These are rough proxies: a reply written to please them reads worse to a person.",
        "",
    ]
    (OUT / "EPITOME_MODEL_CARD.md").write_text("\n".join(card), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
