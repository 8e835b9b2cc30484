"""Read a CTranslate2 Whisper ``model.bin`` and turn it into a Hugging Face Whisper checkpoint.

Build-time only. The CT2 format is a flat list of named tensors (little-endian); see
read_ct2_model for the layout. Names map one to one onto WhisperForConditionalGeneration
except for fused projections, which are split here.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

# CT2 dtype codes -> numpy dtypes (bf16 is not used by the Whisper checkpoints we read).
_CT2_DTYPES: dict[int, Any] = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def _read_string(handle: BinaryIO) -> str:
    (length,) = struct.unpack("<H", handle.read(2))
    return handle.read(length)[:-1].decode("utf-8")  # length counts the trailing NUL


def read_ct2_model(path: Path) -> dict[str, np.ndarray]:
    """All tensors of a CT2 model.bin, aliases resolved; 0-d config scalars are skipped."""
    tensors: dict[str, np.ndarray] = {}
    with path.open("rb") as handle:
        (version,) = struct.unpack("<I", handle.read(4))
        if version < 5:
            raise ValueError(f"{path}: CTranslate2 format version {version} is not supported")
        _read_string(handle)  # spec name
        struct.unpack("<I", handle.read(4))  # spec revision
        (count,) = struct.unpack("<I", handle.read(4))
        for _ in range(count):
            name = _read_string(handle)
            (rank,) = struct.unpack("<B", handle.read(1))
            shape = struct.unpack(f"<{rank}I", handle.read(4 * rank)) if rank else ()
            (dtype_code,) = struct.unpack("<B", handle.read(1))
            (nbytes,) = struct.unpack("<I", handle.read(4))
            raw = handle.read(nbytes)
            if rank == 0:
                continue
            if dtype_code not in _CT2_DTYPES:
                raise ValueError(f"{path}: tensor {name} has unsupported dtype code {dtype_code}")
            tensors[name] = np.frombuffer(raw, dtype=_CT2_DTYPES[dtype_code]).reshape(shape)
        alias_bytes = handle.read(4)
        if len(alias_bytes) == 4:
            (aliases,) = struct.unpack("<I", alias_bytes)
            for _ in range(aliases):
                alias, target = _read_string(handle), _read_string(handle)
                tensors[alias] = tensors[target]
    if any(t.dtype == np.int8 for t in tensors.values()):
        raise ValueError(f"{path}: INT8-quantised CT2 checkpoints are not supported; use a float one")
    return tensors


def _layer_norm(src: str, dst: str, ct2: dict[str, np.ndarray], out: dict[str, np.ndarray]) -> None:
    out[f"{dst}.weight"] = ct2[f"{src}/gamma"]
    out[f"{dst}.bias"] = ct2[f"{src}/beta"]


def _linear(src: str, dst: str, ct2: dict[str, np.ndarray], out: dict[str, np.ndarray]) -> None:
    out[f"{dst}.weight"] = ct2[f"{src}/weight"]
    if f"{src}/bias" in ct2:
        out[f"{dst}.bias"] = ct2[f"{src}/bias"]


def ct2_to_hf_state_dict(ct2: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and split CT2 Whisper tensors into HF WhisperForConditionalGeneration names."""
    out: dict[str, np.ndarray] = {}
    enc, dec = "model.encoder", "model.decoder"
    for index in (1, 2):
        out[f"{enc}.conv{index}.weight"] = ct2[f"encoder/conv{index}/weight"]
        out[f"{enc}.conv{index}.bias"] = ct2[f"encoder/conv{index}/bias"]
    out[f"{enc}.embed_positions.weight"] = ct2["encoder/position_encodings/encodings"]
    _layer_norm("encoder/layer_norm", f"{enc}.layer_norm", ct2, out)
    out[f"{dec}.embed_tokens.weight"] = ct2["decoder/embeddings/weight"]
    out[f"{dec}.embed_positions.weight"] = ct2["decoder/position_encodings/encodings"]
    _layer_norm("decoder/layer_norm", f"{dec}.layer_norm", ct2, out)

    def self_attention(src: str, dst: str) -> None:
        weight = ct2[f"{src}/linear_0/weight"]
        bias = ct2[f"{src}/linear_0/bias"]
        for part, (w, b) in zip(
            ("q", "k", "v"), zip(np.split(weight, 3), np.split(bias, 3), strict=True), strict=True
        ):
            out[f"{dst}.{part}_proj.weight"] = w
            if part != "k":  # HF's k_proj has no bias; CT2 stores zeros there
                out[f"{dst}.{part}_proj.bias"] = b
        _linear(f"{src}/linear_1", f"{dst}.out_proj", ct2, out)
        _layer_norm(f"{src}/layer_norm", f"{dst}_layer_norm", ct2, out)

    def feed_forward(src: str, dst_prefix: str) -> None:
        _linear(f"{src}/linear_0", f"{dst_prefix}.fc1", ct2, out)
        _linear(f"{src}/linear_1", f"{dst_prefix}.fc2", ct2, out)
        _layer_norm(f"{src}/layer_norm", f"{dst_prefix}.final_layer_norm", ct2, out)

    layer = 0
    while f"encoder/layer_{layer}/ffn/linear_0/weight" in ct2:
        src, dst = f"encoder/layer_{layer}", f"{enc}.layers.{layer}"
        self_attention(f"{src}/self_attention", f"{dst}.self_attn")
        feed_forward(f"{src}/ffn", dst)
        layer += 1
    layer = 0
    while f"decoder/layer_{layer}/ffn/linear_0/weight" in ct2:
        src, dst = f"decoder/layer_{layer}", f"{dec}.layers.{layer}"
        self_attention(f"{src}/self_attention", f"{dst}.self_attn")
        cross, cross_dst = f"{src}/attention", f"{dst}.encoder_attn"
        _linear(f"{cross}/linear_0", f"{cross_dst}.q_proj", ct2, out)
        k_weight, v_weight = np.split(ct2[f"{cross}/linear_1/weight"], 2)
        _k_bias, v_bias = np.split(ct2[f"{cross}/linear_1/bias"], 2)
        out[f"{cross_dst}.k_proj.weight"] = k_weight
        out[f"{cross_dst}.v_proj.weight"] = v_weight
        out[f"{cross_dst}.v_proj.bias"] = v_bias
        _linear(f"{cross}/linear_2", f"{cross_dst}.out_proj", ct2, out)
        _layer_norm(f"{cross}/layer_norm", f"{cross_dst}_layer_norm", ct2, out)
        feed_forward(f"{src}/ffn", dst)
        layer += 1
    out["proj_out.weight"] = out[f"{dec}.embed_tokens.weight"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in out.items()}


def whisper_config(state: dict[str, np.ndarray], ct2_config: dict[str, Any]) -> dict[str, Any]:
    """A transformers WhisperConfig dict derived from tensor shapes and the CT2 config.json."""
    d_model = state["model.encoder.conv1.weight"].shape[0]
    encoder_layers = len({k.split(".")[3] for k in state if k.startswith("model.encoder.layers.")})
    decoder_layers = len({k.split(".")[3] for k in state if k.startswith("model.decoder.layers.")})
    vocab_size = state["model.decoder.embed_tokens.weight"].shape[0]
    heads = {384: 6, 512: 8, 768: 12, 1024: 16, 1280: 20}[d_model]
    return {
        "architectures": ["WhisperForConditionalGeneration"],
        "model_type": "whisper",
        "vocab_size": int(vocab_size),
        "num_mel_bins": int(state["model.encoder.conv1.weight"].shape[1]),
        "d_model": int(d_model),
        "encoder_layers": encoder_layers,
        "decoder_layers": decoder_layers,
        "encoder_attention_heads": heads,
        "decoder_attention_heads": heads,
        "encoder_ffn_dim": int(state["model.encoder.layers.0.fc1.weight"].shape[0]),
        "decoder_ffn_dim": int(state["model.decoder.layers.0.fc1.weight"].shape[0]),
        "max_source_positions": int(state["model.encoder.embed_positions.weight"].shape[0]),
        "max_target_positions": int(state["model.decoder.embed_positions.weight"].shape[0]),
        "activation_function": "gelu",
        "scale_embedding": False,
        "tie_word_embeddings": True,
        "decoder_start_token_id": 50258,
        "bos_token_id": 50257,
        "eos_token_id": 50257,
        "pad_token_id": 50257,
        "suppress_tokens": [int(i) for i in ct2_config["suppress_ids"]],
        "begin_suppress_tokens": [int(i) for i in ct2_config["suppress_ids_begin"]],
        "torch_dtype": "float32",
    }


def convert_ct2_to_hf(model_bin: Path, ct2_config: Path, tokenizer: Path, out_dir: Path) -> Path:
    """Write a transformers-loadable Whisper checkpoint (safetensors + config) to ``out_dir``."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    state = ct2_to_hf_state_dict(read_ct2_model(model_bin))
    config_dict = whisper_config(state, json.loads(ct2_config.read_text()))
    model = WhisperForConditionalGeneration(WhisperConfig(**config_dict))  # type: ignore[no-untyped-call]
    missing, unexpected = model.load_state_dict(
        {name: torch.from_numpy(value.copy()) for name, value in state.items()}, strict=False
    )
    if missing or unexpected:
        raise RuntimeError(f"CT2 -> HF mapping incomplete: missing={missing} unexpected={unexpected}")
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    (out_dir / "tokenizer.json").write_bytes(tokenizer.read_bytes())
    return out_dir
