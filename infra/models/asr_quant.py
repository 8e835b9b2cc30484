"""ONNX Runtime's quantisation recipe for the Whisper graphs, with both formats measured.

1. pre-process (quant_pre_process: symbolic shape inference + ORT's offline graph optimisation);
2. quantise MatMul and Gather weights to signed INT8 two ways:
   * QOperator, dynamic (quantize_dynamic: MatMulInteger/DynamicQuantizeLinear, activation
     ranges computed per run; weights per channel), and
   * QDQ, static (quantize_static: Q/DQ pairs, activation ranges calibrated on the committed
     fixture clips run through the FP32 graphs; weights per tensor, see quantize_qdq);
3. run both on the fixture clips and keep the one with fewer errors, then the faster one.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "layers" / "outdial"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr_metrics import error_counts  # noqa: E402
from cache import log  # noqa: E402
from outdial.asr.whisper import WhisperOnnx  # noqa: E402
from outdial.audio.codecs import decode_wav  # noqa: E402
from outdial.models import Lang  # noqa: E402

FIXTURES = ROOT / "events" / "audio"
OP_TYPES = ["MatMul", "Gather"]


def fixture_clips() -> list[tuple[np.ndarray, Lang, str]]:
    """The committed speech clips (audio, language, reference text) used for calibration and choice."""
    index = json.loads((FIXTURES / "clips.json").read_text(encoding="utf-8"))
    return [
        (decode_wav((FIXTURES / clip["file"]).read_bytes()), clip["lang"], clip["text"])
        for clip in index
        if clip["lang"]
    ]


def preprocess(source: Path, target: Path) -> None:
    from onnxruntime.quantization.shape_inference import quant_pre_process

    quant_pre_process(str(source), str(target), skip_symbolic_shape=False, auto_merge=True)


def quantize_qoperator(pre: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Signed weights: on AVX2 CPUs without VNNI, unsigned weights made the encoder ~20 % slower.
    quantize_dynamic(
        str(pre), str(target), op_types_to_quantize=OP_TYPES, weight_type=QuantType.QInt8, per_channel=True
    )


class _RecordingWhisper(WhisperOnnx):
    """FP32 Whisper that keeps every decoder feed, to calibrate the decoder's activations."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mels: list[np.ndarray] = []
        self.decoder_feeds: list[dict[str, np.ndarray]] = []

    def _step(self, tokens: list[int], feeds: dict[str, Any]) -> Any:
        self.decoder_feeds.append(dict(feeds, tokens=np.array([tokens], dtype=np.int64)))
        return super()._step(tokens, feeds)


def calibration_inputs(fp32_dir: Path) -> tuple[list[dict[str, np.ndarray]], list[dict[str, np.ndarray]]]:
    import onnxruntime as ort
    from outdial.asr.features import encoder_frames, log_mel
    from outdial.asr.whisper import WhisperFacts, session_options
    from tokenizers import Tokenizer

    facts = WhisperFacts.read(fp32_dir / "whisper_config.json")
    options = session_options(2)
    model = _RecordingWhisper(
        ort.InferenceSession(str(fp32_dir / "encoder.onnx"), options, providers=["CPUExecutionProvider"]),
        ort.InferenceSession(str(fp32_dir / "decoder.onnx"), options, providers=["CPUExecutionProvider"]),
        Tokenizer.from_file(str(fp32_dir / "tokenizer.json")),
        facts,
    )
    encoder_feeds = []
    for audio, lang, _text in fixture_clips():
        encoder_feeds.append({"mel": log_mel(audio, encoder_frames(audio.size), facts.n_mels)})
        model.transcribe(audio, lang)
    return encoder_feeds, model.decoder_feeds


class _ListReader:
    def __init__(self, feeds: list[dict[str, np.ndarray]]) -> None:
        self._iterator: Iterator[dict[str, np.ndarray]] = iter(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._iterator, None)


def quantize_qdq(pre: Path, target: Path, feeds: list[dict[str, np.ndarray]]) -> None:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    quantize_static(
        str(pre),
        str(target),
        _ListReader(feeds),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=OP_TYPES,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        # Per tensor: per-channel QDQ fails in ORT 1.32 on the Gather that shares the tied embedding.
        calibrate_method=CalibrationMethod.MinMax,
        per_channel=False,
        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
    )


def evaluate(model_dir: Path, encoder_file: str, decoder_file: str) -> dict[str, Any]:
    """Errors (words for en, characters for zh) and median latency on the fixture clips."""
    model = WhisperOnnx.load(model_dir, threads=2, encoder_file=encoder_file, decoder_file=decoder_file)
    edits = length = 0
    latencies = []
    for audio, lang, reference in fixture_clips():
        started = time.perf_counter()
        result = model.transcribe(audio, lang)
        latencies.append((time.perf_counter() - started) * 1000)
        e, n = error_counts(reference, result.text, lang)
        edits, length = edits + e, length + n
    return {"errors": edits, "reference_units": length, "median_ms": round(statistics.median(latencies), 1)}


def _summary(measured: dict[str, Any]) -> str:
    return f"{measured['errors']} errors / {measured['median_ms']} ms median"


def quantize_and_choose(fp32_dir: Path, work: Path, out_dir: Path) -> dict[str, Any]:
    """Write the chosen encoder.int8.onnx / decoder.int8.onnx into out_dir; return the recipe facts."""
    for name in ("encoder", "decoder"):
        log(f"asr: pre-processing {name} (shape inference + offline graph optimisation)")
        preprocess(fp32_dir / f"{name}.onnx", work / f"{name}.pre.onnx")
    log("asr: QOperator (dynamic) INT8")
    for name in ("encoder", "decoder"):
        quantize_qoperator(work / f"{name}.pre.onnx", work / f"{name}.qop.onnx")
    log("asr: QDQ (static) INT8, calibrating on the fixture clips")
    encoder_feeds, decoder_feeds = calibration_inputs(fp32_dir)
    quantize_qdq(work / "encoder.pre.onnx", work / "encoder.qdq.onnx", encoder_feeds)
    quantize_qdq(work / "decoder.pre.onnx", work / "decoder.qdq.onnx", decoder_feeds)
    for name in ("tokenizer.json", "whisper_config.json"):
        (work / name).write_bytes((fp32_dir / name).read_bytes())
    measured: dict[str, Any] = {}
    for recipe in ("qop", "qdq"):
        log(f"asr: measuring {recipe} on the fixture clips")
        measured[recipe] = evaluate(work, f"encoder.{recipe}.onnx", f"decoder.{recipe}.onnx")
        measured[recipe]["bytes"] = sum(
            (work / f"{n}.{recipe}.onnx").stat().st_size for n in ("encoder", "decoder")
        )
    log(f"asr: measured {measured}")
    chosen = min(measured, key=lambda r: (measured[r]["errors"], measured[r]["median_ms"]))
    for name in ("encoder", "decoder"):
        (work / f"{name}.{chosen}.onnx").replace(out_dir / f"{name}.int8.onnx")
    names = {"qop": "QOperator (quantize_dynamic)", "qdq": "QDQ (quantize_static, MinMax calibration)"}
    other = "qdq" if chosen == "qop" else "qop"
    granularity = {"qop": "per channel", "qdq": "per tensor"}
    return {
        "chosen": names[chosen],
        "steps": [
            "onnxruntime.quantization.shape_inference.quant_pre_process (symbolic shapes, auto_merge; ORT "
            "basic offline optimisation)",
            f"{names[chosen]}: op types {OP_TYPES}, weights signed INT8 {granularity[chosen]}",
        ],
        "why": (
            f"{names[chosen]} had {_summary(measured[chosen])} vs {names[other]} {_summary(measured[other])} "
            f"on the {len(fixture_clips())} fixture clips (fewest errors first, then latency)"
        ),
        "measured": {names[r]: v for r, v in measured.items()},
        "calibration": "events/audio fixture clips through the FP32 graphs (encoder mels, decoder steps)",
    }
