"""Soft targets for distilling the shipped crisis reader's members into one model.

The shipped reader averages several fine-tuned members (``crisis.json`` lists them). Reading
with one member costs half as much as reading with two, so ``train_crisis.py --teacher`` trains
one student on a mix of each row's written label and the members' averaged probabilities: the
student learns what the pair learnt together (the "dark knowledge" of how sure each reading is)
while the labels keep it honest where the pair was wrong.

Example usage (from train_crisis.py; not run on its own):
    targets = teacher_targets(encoded_rows, [models / "crisis.onnx", models / "crisis_a.onnx"])
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from confidante.safety.reader import onnx_feed, session_options


def teacher_targets(
    enc: list[tuple[list[int], list[int]]], members: list[Path], threads: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """The members' averaged kind probabilities and now-probabilities for each encoded row."""
    import onnxruntime as ort

    options = session_options(threads)
    sessions = [
        ort.InferenceSession(str(m), options, providers=["CPUExecutionProvider"]) for m in members
    ]
    started = time.time()
    kinds, nows = [], []
    for ids, types in enc:
        feed = onnx_feed(ids, types)
        outs = [s.run(None, feed) for s in sessions]
        kinds.append(np.mean([k[0] for k, _ in outs], axis=0))
        nows.append(float(np.mean([n[0] for _, n in outs])))
    took = time.time() - started
    print(f"teacher: {len(enc)} rows read by {len(members)} members in {took:.0f} s")
    return np.asarray(kinds, dtype=np.float32), np.asarray(nows, dtype=np.float32)

