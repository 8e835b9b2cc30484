"""Intent classification and sentence embeddings from one INT8 ONNX encoder (zh + en).

The encoder (MiniLM-L6 with a Mandarin-extended vocabulary, see infra/models/build_nlu.py)
has two outputs: intent logits and an L2-normalised mean-pooled sentence embedding. The
session is created once per process (Lambda init) and warmed up; each call tokenizes with
the shipped tokenizer.json and runs the session on the CPU.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from outdial import artifacts
from outdial.errors import ModelNotAvailableError
from outdial.models import Intent, IntentOutput, Lang
from outdial.nlu.slots import extract_slots

MODEL_FILE = "encoder.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
LABELS_FILE = "labels.json"
MAX_TOKENS = 64
EMBED_BATCH = 32
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class IntentClassifier:
    def __init__(self, session: ort.InferenceSession, tokenizer: Tokenizer, labels: Sequence[Intent]) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._labels = list(labels)
        self.embedding_dim = int(session.get_outputs()[1].shape[-1])

    @classmethod
    def load(cls, model_dir: Path | None = None, threads: int = 2) -> IntentClassifier:
        directory = model_dir if model_dir is not None else artifacts.model_dir("nlu")
        missing = [n for n in (MODEL_FILE, TOKENIZER_FILE, LABELS_FILE) if not (directory / n).is_file()]
        if missing:
            raise ModelNotAvailableError(f"nlu artifacts missing in {directory}: {', '.join(missing)}")
        try:
            labels = [Intent(name) for name in json.loads((directory / LABELS_FILE).read_text())]
        except ValueError as exc:
            raise ModelNotAvailableError(
                f"{directory / LABELS_FILE} does not match the Intent labels: {exc}"
            ) from exc
        if sorted(labels) != sorted(Intent):
            raise ModelNotAvailableError(
                f"{directory / LABELS_FILE} must list each of the {len(Intent)} intents once"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # The graph was fused and optimised offline at build time: basic passes are enough here.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        try:
            session = ort.InferenceSession(
                str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
            tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        except Exception as exc:  # onnxruntime and tokenizers raise bare runtime errors
            raise ModelNotAvailableError(f"cannot load the nlu model from {directory}: {exc}") from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        classifier = cls(session, tokenizer, labels)
        classifier._run(["warm up", "预热一下"])  # first run allocates; keep that out of the first call
        return classifier

    def _run(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        encodings = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        input_ids = np.zeros((len(encodings), width), dtype=np.int64)
        attention_mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            input_ids[row, : len(encoding.ids)] = encoding.ids
            attention_mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        logits, embeddings = self._session.run(["logits", "embedding"], feeds)
        return np.asarray(logits, dtype=np.float32), np.asarray(embeddings, dtype=np.float32)

    def classify(self, text: str, lang: Lang, now: datetime | None = None) -> IntentOutput:
        started = time.perf_counter()
        logits, _ = self._run([text.strip()])
        shifted = np.exp(logits[0] - logits[0].max())
        probabilities = shifted / shifted.sum()
        best = int(np.argmax(probabilities))
        slots = extract_slots(text, lang, now or datetime.now())
        return IntentOutput(
            intent=self._labels[best],
            confidence=float(probabilities[best]),
            slots=slots,
            compute_ms=(time.perf_counter() - started) * 1000.0,
        )

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised sentence embeddings, one row per text (float32)."""
        if not texts:
            return np.zeros((0, self.embedding_dim), dtype=np.float32)
        chunks = [self._run(texts[i : i + EMBED_BATCH])[1] for i in range(0, len(texts), EMBED_BATCH)]
        return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)


class _Classifies(Protocol):
    def classify(self, text: str, lang: Lang, now: datetime | None = None) -> IntentOutput: ...


def detect_lang(text: str) -> Lang:
    return "zh" if _CJK.search(text) else "en"


def classify_lines(
    lines: Iterable[str], lang: Lang | None, classifier: _Classifies
) -> Iterator[dict[str, Any]]:
    """One result per non-blank line: text, intent, confidence, slots (for `outdial classify`)."""
    for line in lines:
        text = line.strip()
        if not text:
            continue
        result = classifier.classify(text, lang or detect_lang(text))
        yield {
            "text": text,
            "intent": result.intent.value,
            "confidence": round(result.confidence, 4),
            "slots": result.slots.model_dump(),
        }
