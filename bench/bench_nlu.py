"""Intent encoder benchmark: FP32 vs INT8 on the held-out split, one run, markdown out.

    python bench/bench_nlu.py

Size, init (session + warm-up), single-utterance p50/p95 latency at 2 threads (tokenize +
run, both outputs: intent logits and embedding), held-out accuracy per language, and the
INT8/FP32 ratios. Also the end-to-end IntentClassifier.classify time (adds slot extraction).
The FP32 graph lives in the build cache (manifest "bench_dir"), not in the Lambda layer.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "infra" / "models" / "intent_data" / "heldout.jsonl"
THREADS = 2


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _feeds(tokenizer: Tokenizer, text: str) -> dict[str, np.ndarray]:
    ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids)}


def measure(
    path: Path, tokenizer: Tokenizer, rows: list[dict[str, Any]], labels: list[str]
) -> dict[str, Any]:
    started = time.perf_counter()
    session = _session(path)
    session.run(None, _feeds(tokenizer, "warm up"))
    init_ms = (time.perf_counter() - started) * 1000
    timings: list[float] = []
    correct = {"zh": 0, "en": 0}
    total = {"zh": 0, "en": 0}
    for row in rows:
        t0 = time.perf_counter()
        logits, _embedding = session.run(["logits", "embedding"], _feeds(tokenizer, row["text"]))
        timings.append((time.perf_counter() - t0) * 1000)
        total[row["lang"]] += 1
        correct[row["lang"]] += labels[int(np.argmax(logits[0]))] == row["intent"]
    timings.sort()
    return {
        "bytes": path.stat().st_size,
        "init_ms": init_ms,
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(0.95 * (len(timings) - 1))],
        "zh": correct["zh"] / total["zh"],
        "en": correct["en"] / total["en"],
    }


def classify_ms(model_dir: Path, rows: list[dict[str, Any]]) -> tuple[float, float]:
    from outdial.nlu.classifier import IntentClassifier

    classifier = IntentClassifier.load(model_dir, threads=THREADS)
    times = sorted(classifier.classify(r["text"], r["lang"]).compute_ms for r in rows)
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    sys.path.insert(0, str(ROOT / "layers" / "outdial"))
    from outdial.artifacts import model_dir

    directory = model_dir("nlu")
    manifest = json.loads((directory / "manifest.json").read_text())
    fp32 = Path(manifest["bench_dir"]) / "encoder.fp32.onnx"
    int8 = directory / "encoder.int8.onnx"
    print("\n## Intent encoder (MiniLM-L6 + zh vocabulary): FP32 vs INT8\n")
    if not fp32.is_file():
        print(f"FP32 graph not found at {fp32}; rebuild with infra/models/build_nlu.py")
        return
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(64)
    labels = json.loads((directory / "labels.json").read_text())
    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = {"FP32": measure(fp32, tokenizer, rows, labels), "INT8": measure(int8, tokenizer, rows, labels)}
    a, b = results["FP32"], results["INT8"]
    print(f"held-out split: {len(rows)} utterances (zh + en), {THREADS} intra-op threads, batch 1\n")
    print("| model | size MB | init ms | p50 ms | p95 ms | acc zh | acc en |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['bytes'] / 1e6:.1f} | {r['init_ms']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} "
            f"| {r['zh']:.4f} | {r['en']:.4f} |"
        )
    print(
        f"| INT8/FP32 | {b['bytes'] / a['bytes']:.2f} | {b['init_ms'] / a['init_ms']:.2f} "
        f"| {b['p50_ms'] / a['p50_ms']:.2f} | {b['p95_ms'] / a['p95_ms']:.2f} "
        f"| {100 * (b['zh'] - a['zh']):+.2f} pt | {100 * (b['en'] - a['en']):+.2f} pt |"
    )
    p50, p95 = classify_ms(directory, rows)
    print(
        f"\nIntentClassifier.classify (INT8, tokenize + encoder + slots): p50 {p50:.2f} ms, "
        f"p95 {p95:.2f} ms; "
        f"quantisation: {manifest['quantization']['chosen']} ({manifest['quantization']['reason']})"
    )


if __name__ == "__main__":
    main()
