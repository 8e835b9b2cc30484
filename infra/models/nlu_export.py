"""ONNX export, ORT INT8 quantisation (dynamic QOperator vs static QDQ) and ONNX evaluation.

Recipe (ORT's documented one for transformer encoders):
  1. export FP32 with the TorchScript exporter (opset 17, dynamic batch and sequence axes);
  2. fuse with onnxruntime.transformers.optimizer (model_type=bert: Attention, SkipLayerNorm,
     BiasGelu) -- this fused FP32 graph is also the FP32 baseline of the benchmark;
  3. candidates: (a) quantize_dynamic on the fused graph (QAttention / MatMulInteger, INT8
     embedding Gather); (b) quant_pre_process (symbolic shape inference + ORT graph
     optimisation) then quantize_static in QDQ format, S8S8, calibrated on training rows;
  4. both measured on the held-out split (accuracy) and single-utterance latency; the chosen
     one is optimised once more by ORT (ORT_ENABLE_EXTENDED, hardware-independent) and that
     optimised graph is saved offline as the shipped encoder.int8.onnx.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from cache import log
from tokenizers import Tokenizer

OPSET = 17
HIDDEN = 384
HEADS = 12
CALIBRATION_WIDTH = 32  # histogram calibration needs equal shapes across batches


def export_fp32(model: Any, target: Path) -> None:
    import torch

    model.eval()
    if hasattr(model.bert, "set_attn_implementation"):
        model.bert.set_attn_implementation("eager")  # plain MatMul/Softmax attention: what ORT fuses
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 2023, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask),
            str(target),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["logits", "embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "logits": {0: "batch"},
                "embedding": {0: "batch"},
            },
            do_constant_folding=True,
        )


def fuse(source: Path, target: Path) -> dict[str, int]:
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(source), model_type="bert", num_heads=HEADS, hidden_size=HIDDEN, opt_level=0, use_gpu=False
    )
    fused.save_model_to_file(str(target))
    stats: dict[str, int] = {k: int(v) for k, v in fused.get_fused_operator_statistics().items() if v}
    return stats


def quantize_dynamic_qoperator(fused: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = target.with_suffix(".pre.onnx")
    # The fused graph is already optimised; pre-processing adds shape information only.
    quant_pre_process(
        str(fused), str(pre), skip_optimization=True, skip_symbolic_shape=False, auto_merge=True
    )
    quantize_dynamic(str(pre), str(target), weight_type=QuantType.QInt8, per_channel=False)
    pre.unlink()


class _Calibration:
    def __init__(self, feeds: list[dict[str, np.ndarray]]) -> None:
        self._feeds = iter(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def quantize_static_qdq(fp32: Path, target: Path, feeds: list[dict[str, np.ndarray]]) -> None:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = target.with_suffix(".pre.onnx")
    quant_pre_process(
        str(fp32), str(pre), skip_optimization=False, skip_symbolic_shape=False, auto_merge=True
    )
    quantize_static(
        str(pre),
        str(target),
        _Calibration(feeds),  # duck-typed CalibrationDataReader
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        calibrate_method=CalibrationMethod.Percentile,
        extra_options={"ActivationSymmetric": True, "CalibPercentile": 99.99},
    )
    pre.unlink()
    for leftover in target.parent.glob("augmented_model*.onnx"):
        leftover.unlink()


def save_offline_optimised(source: Path, target: Path) -> None:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


def session(path: Path, threads: int = 2) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def feeds_for(tokenizer: Tokenizer, texts: Sequence[str], width: int | None = None) -> dict[str, np.ndarray]:
    """Padded feeds; a fixed ``width`` (calibration) keeps every batch the same shape."""
    encodings = tokenizer.encode_batch(list(texts))
    width = width or max(len(e.ids) for e in encodings)
    encodings = [e for e in encodings if len(e.ids) <= width] or encodings[:1]
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask}


def run_onnx(path: Path, tokenizer_path: Path, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    sess = session(path)
    logits: list[np.ndarray] = []
    embeddings: list[np.ndarray] = []
    for start in range(0, len(texts), 32):
        out = sess.run(["logits", "embedding"], feeds_for(tokenizer, texts[start : start + 32]))
        logits.append(np.asarray(out[0]))
        embeddings.append(np.asarray(out[1]))
    return np.concatenate(logits), np.concatenate(embeddings)


def accuracy_report(
    predictions: Sequence[str], rows: Sequence[dict[str, Any]], labels: Sequence[str]
) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for lang in ("zh", "en"):
        index = [i for i, r in enumerate(rows) if r["lang"] == lang]
        correct = [predictions[i] == rows[i]["intent"] for i in index]
        per_label = {}
        for label in labels:
            hits = [predictions[i] == label for i in index if rows[i]["intent"] == label]
            per_label[label] = round(sum(hits) / len(hits), 4) if hits else None
        report[lang] = {
            "accuracy": round(sum(correct) / len(correct), 4),
            "rows": len(index),
            "per_label": per_label,
        }
    return report


def latency_ms(path: Path, tokenizer_path: Path, texts: Sequence[str], threads: int = 2) -> dict[str, float]:
    """Single-utterance latency (tokenize + run) at `threads` intra-op threads, and init time."""
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    started = time.perf_counter()
    sess = session(path, threads)
    sess.run(None, feeds_for(tokenizer, ["warm up"]))
    init = (time.perf_counter() - started) * 1000
    timings = []
    for text in texts:
        t0 = time.perf_counter()
        sess.run(None, feeds_for(tokenizer, [text]))
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {
        "init_ms": round(init, 1),
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
    }


def evaluate(
    path: Path,
    tokenizer_path: Path,
    rows: Sequence[dict[str, Any]],
    labels: Sequence[str],
    latency_texts: Sequence[str],
) -> dict[str, Any]:
    logits, _ = run_onnx(path, tokenizer_path, [r["text"] for r in rows])
    predictions = [labels[i] for i in logits.argmax(axis=1)]
    result = accuracy_report(predictions, rows, labels)
    result["latency"] = latency_ms(path, tokenizer_path, latency_texts)
    result["bytes"] = path.stat().st_size
    log(
        f"nlu: {path.name}: zh {result['zh']['accuracy']:.4f} en {result['en']['accuracy']:.4f} "
        f"p50 {result['latency']['p50_ms']} ms, {result['bytes'] / 1e6:.1f} MB"
    )
    return result
