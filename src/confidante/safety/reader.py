"""The crisis reader: a small fine-tuned sentence encoder that reads meaning, not keywords.

The lexicon (``lexicon.py``) is the fast, high-precision first stage; it only knows the wordings
it was written for. The reader is all-MiniLM-L6-v2 fine-tuned by ``scripts/train_crisis.py`` on
paraphrase families with hard negatives (see ``models/CRISIS_MODEL_CARD.md``), exported to int8
ONNX. It runs with onnxruntime and tokenizers only: no torch and no download at run time.

It reads the message together with the person's previous message, so "tonight" after "the pills
are in front of me" reads as what it is. It gives a crisis probability, the likeliest kind of
danger and the probability that the danger is happening now. A message longer than the encoder's
window is read in overlapping windows and the most worrying one counts.

``crisis.json`` may name several members (ONNX files of the same encoder trained on different
data): the reader then averages their probabilities, which tempers the over-confident readings
any one of them makes of ordinary talk. The thresholds in ``crisis.json`` are those of the
average, chosen on the validation families by ``scripts/calibrate_crisis.py``. The members run
side by side (onnxruntime lets go of the GIL), so a read on an idle machine takes about one
member's time, not the sum; the readings are the same either way.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from confidante.conversation import RiskKind
from confidante.errors import DataFileError
from confidante.safety.datafiles import resource

_ONNX = "models/crisis.onnx"
_TOKENIZER = "models/crisis_tokenizer.json"
_META = "models/crisis.json"
#: Windows read at most for one long message: a message at the 4,000-character limit needs
#: about 10 (9 ms each); of a longer one the reader reads the beginning and the end, the lexicon
#: all of it. Batching windows was measured no faster on two cores.
MAX_WINDOWS = 12


@dataclass(frozen=True)
class Reading:
    """What the reader made of one message (numbers only, never text)."""

    crisis: float  # probability that the message is a crisis the protocol must take over
    kind: RiskKind  # the likeliest kind of danger, if it is one
    now: float  # probability that the danger is happening now


class CrisisReader:
    """A loaded reader; thread-safe, shared by every session of the process."""

    def __init__(
        self, sessions: list[Any], tokenizer: Any, meta: dict[str, Any], side_by_side: bool = True
    ) -> None:
        """Build from loaded parts (one ONNX session per member); most code wants :meth:`load`."""
        self._sessions = sessions
        self._meta = meta
        # Members after the first run on a shared pool while the caller's thread runs the first.
        self._side_by_side = side_by_side and len(sessions) > 1
        self._tok = tokenizer
        self.name = str(meta["name"])
        self.kinds = tuple(RiskKind(k) for k in meta["kinds"])
        self.max_tokens = int(meta["max_tokens"])
        thresholds = meta["thresholds"]
        self.elevated = float(thresholds["elevated"])  # crisis probability for elevated
        self.low = float(thresholds["low"])  # worth a watchful "low"
        self.now_threshold = float(thresholds["now"])  # now-probability for imminent

    @classmethod
    def load(cls) -> CrisisReader | None:
        """The packaged reader, or None when its files are not installed."""
        return _load()

    def in_sequence(self) -> CrisisReader:
        """The same reader with its members run one after another (the benchmark's baseline)."""
        return CrisisReader(self._sessions, self._tok, self._meta, side_by_side=False)

    def read(self, text: str, context: str = "") -> Reading:
        """Read one message, with the person's previous message as context."""
        best_crisis, best_kind, best_now = 0.0, RiskKind.NONE, 0.0
        for ids, types in self._windows(text, context):
            kinds, now = self._run(ids, types)
            crisis = 1.0 - float(kinds[0])
            if crisis > best_crisis:
                best_crisis = crisis
                best_kind = self.kinds[1 + int(np.argmax(kinds[1:]))]
                best_now = float(now)
        return Reading(best_crisis, best_kind, best_now)

    def _windows(self, text: str, context: str) -> list[tuple[list[int], list[int]]]:
        enc = self._tok.encode(text, context) if context else self._tok.encode(text)
        if len(enc.ids) < self.max_tokens or not enc.overflowing:
            return [(enc.ids, enc.type_ids)]
        # Too long for one window: read the message alone in overlapping windows.
        alone = self._tok.encode(text)
        parts = [alone, *alone.overflowing]
        if len(parts) > MAX_WINDOWS:  # keep the beginning and the end, where people say the most
            half = MAX_WINDOWS // 2
            parts = parts[:half] + parts[-half:]
        return [(p.ids, p.type_ids) for p in parts]

    def _run(self, ids: list[int], types: list[int]) -> tuple[Any, float]:
        feed = onnx_feed(ids, types)
        if not self._side_by_side:
            outputs = [session.run(None, feed) for session in self._sessions]
        else:
            pool = _pool()
            rest = [pool.submit(s.run, None, feed) for s in self._sessions[1:]]
            outputs = [self._sessions[0].run(None, feed), *(f.result() for f in rest)]
        kinds = np.mean([k[0] for k, _ in outputs], axis=0)
        now = float(np.mean([n[0] for _, n in outputs]))
        return kinds, now


def onnx_feed(ids: list[int], types: list[int]) -> dict[str, Any]:
    """The encoder's inputs for one window of token ids and type ids (a batch of one)."""
    return {
        "input_ids": np.asarray([ids], dtype=np.int64),
        "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
        "token_type_ids": np.asarray([types], dtype=np.int64),
    }


def session_options(threads: int = 1) -> Any:
    """onnxruntime options every reader of these models uses (the app, calibration, teacher).

    One thread per read by default: the server runs many sessions at once on shared cores.
    Without VNNI, x86 int8 kernels saturate products to 16 bits, so one message read a little
    differently on another CPU (0.698 here, 0.70 there) and a golden transcript changed with
    the machine; the exact U8U8 path (``session.x64quantprecision``, used only on such CPUs)
    gives every x86 machine the same readings, at some speed there.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.x64quantprecision", "1")
    return options


_lock = threading.Lock()


@cache
def _pool() -> ThreadPoolExecutor:
    # As many threads as cores: many sessions read at once in the server, and one thread would
    # queue every second member behind the others.
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="crisis-reader")


# A forked child has none of the parent's pool threads: it starts a pool of its own.
os.register_at_fork(after_in_child=_pool.cache_clear)


@cache
def _load() -> CrisisReader | None:
    with _lock:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:  # pragma: no cover - both are required dependencies
            return None
        if not resource(_ONNX).is_file():
            return None
        try:
            meta = json.loads(resource(_META).read_text(encoding="utf-8"))
            members = [resource(f"models/{name}") for name in meta.get("members", ["crisis.onnx"])]
            tok = Tokenizer.from_str(resource(_TOKENIZER).read_text(encoding="utf-8"))
        except (OSError, ValueError) as ex:
            raise DataFileError(f"safety/{_META} or {_TOKENIZER}: {ex}; reinstall") from None
        tok.no_padding()
        tok.enable_truncation(int(meta["max_tokens"]), stride=32)
        options = session_options(threads=1)
        try:
            sessions = [
                ort.InferenceSession(m.read_bytes(), options, providers=["CPUExecutionProvider"])
                for m in members
            ]
        except OSError as ex:
            raise DataFileError(f"safety/models: {ex}; reinstall") from None
        return CrisisReader(sessions, tok, meta)
