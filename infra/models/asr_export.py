"""Export a Hugging Face Whisper checkpoint to two FP32 ONNX graphs for the runtime in outdial.asr.

Build-time only (torch). The graphs are written by hand around the checkpoint's weights so
that they are shaped for fast CPU decoding rather than for generality:

* encoder.onnx: mel [1, n_mels, frames] with ``frames`` free (the runtime cuts the input to
  the audio instead of padding to 30 s) -> per decoder layer, the cross-attention keys
  pre-transposed [1, heads, head_dim, S] and values [1, heads, S, head_dim].
* decoder.onnx: tokens [1, n] plus per-layer self-attention cache (keys pre-transposed too)
  and the cross K/V -> logits of the last position [1, vocab] and the grown cache. One
  embedding matrix, stored transposed [d_model, vocab], serves both the token lookup (Gather
  on axis 1) and the output projection (MatMul), so the tied weights are stored once.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

OPSET = 17


def _gelu(x: Tensor) -> Tensor:
    return nn.functional.gelu(x)


class _SelfAttention(nn.Module):
    """Multi-head attention over plain MatMul/Softmax (scaled q, as in Whisper)."""

    def __init__(self, hf_attention: Any, heads: int) -> None:
        super().__init__()
        self.q_proj, self.k_proj = hf_attention.q_proj, hf_attention.k_proj
        self.v_proj, self.out_proj = hf_attention.v_proj, hf_attention.out_proj
        self.heads = heads
        self.head_dim = hf_attention.q_proj.out_features // heads
        self.scale = 1.0 / math.sqrt(self.head_dim)

    def split(self, x: Tensor) -> Tensor:  # [1, T, D] -> [1, H, T, hd]
        return x.view(1, -1, self.heads, self.head_dim).transpose(1, 2)

    def merge(self, x: Tensor) -> Tensor:  # [1, H, T, hd] -> [1, T, D]
        return x.transpose(1, 2).reshape(1, -1, self.heads * self.head_dim)


class _EncoderLayer(nn.Module):
    def __init__(self, hf_layer: Any, heads: int) -> None:
        super().__init__()
        self.attn = _SelfAttention(hf_layer.self_attn, heads)
        self.attn_norm = hf_layer.self_attn_layer_norm
        self.fc1, self.fc2, self.ffn_norm = hf_layer.fc1, hf_layer.fc2, hf_layer.final_layer_norm

    def forward(self, x: Tensor) -> Tensor:
        h = self.attn_norm(x)
        a = self.attn
        q = a.split(a.q_proj(h) * a.scale)
        k_t = a.k_proj(h).view(1, -1, a.heads, a.head_dim).permute(0, 2, 3, 1)
        v = a.split(a.v_proj(h))
        weights = torch.softmax(torch.matmul(q, k_t), dim=-1)
        x = x + a.out_proj(a.merge(torch.matmul(weights, v)))
        out: Tensor = x + self.fc2(_gelu(self.fc1(self.ffn_norm(x))))
        return out


class WhisperEncoderExport(nn.Module):
    def __init__(self, hf_model: Any) -> None:
        super().__init__()
        config = hf_model.config
        encoder, decoder = hf_model.model.encoder, hf_model.model.decoder
        self.conv1, self.conv2 = encoder.conv1, encoder.conv2
        self.positions = encoder.embed_positions.weight
        self.layers = nn.ModuleList(
            _EncoderLayer(layer, config.encoder_attention_heads) for layer in encoder.layers
        )
        self.norm = encoder.layer_norm
        self.cross_k = nn.ModuleList(layer.encoder_attn.k_proj for layer in decoder.layers)
        self.cross_v = nn.ModuleList(layer.encoder_attn.v_proj for layer in decoder.layers)
        self.heads = config.decoder_attention_heads
        self.head_dim = config.d_model // self.heads

    def forward(self, mel: Tensor) -> tuple[Tensor, ...]:
        x = _gelu(self.conv2(_gelu(self.conv1(mel)))).permute(0, 2, 1)
        x = x + self.positions[: x.shape[1]]  # sliced to the (cut) input, like whisper.cpp's audio_ctx
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x)
        outputs: list[Tensor] = []
        for k_proj, v_proj in zip(self.cross_k, self.cross_v, strict=True):
            outputs.append(k_proj(x).view(1, -1, self.heads, self.head_dim).permute(0, 2, 3, 1))
            outputs.append(v_proj(x).view(1, -1, self.heads, self.head_dim).transpose(1, 2))
        return tuple(outputs)


class _DecoderLayer(nn.Module):
    def __init__(self, hf_layer: Any, heads: int) -> None:
        super().__init__()
        self.attn = _SelfAttention(hf_layer.self_attn, heads)
        self.attn_norm = hf_layer.self_attn_layer_norm
        self.cross_q, self.cross_out = hf_layer.encoder_attn.q_proj, hf_layer.encoder_attn.out_proj
        self.cross_norm = hf_layer.encoder_attn_layer_norm
        self.fc1, self.fc2, self.ffn_norm = hf_layer.fc1, hf_layer.fc2, hf_layer.final_layer_norm

    def forward(
        self, x: Tensor, mask: Tensor, past_k_t: Tensor, past_v: Tensor, cross_k_t: Tensor, cross_v: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        a = self.attn
        h = self.attn_norm(x)
        q = a.split(a.q_proj(h) * a.scale)
        k_t = torch.cat([past_k_t, a.k_proj(h).view(1, -1, a.heads, a.head_dim).permute(0, 2, 3, 1)], dim=3)
        v = torch.cat([past_v, a.split(a.v_proj(h))], dim=2)
        weights = torch.softmax(torch.matmul(q, k_t) + mask, dim=-1)
        x = x + a.out_proj(a.merge(torch.matmul(weights, v)))
        h = self.cross_norm(x)
        q = a.split(self.cross_q(h) * a.scale)
        weights = torch.softmax(torch.matmul(q, cross_k_t), dim=-1)
        x = x + self.cross_out(a.merge(torch.matmul(weights, cross_v)))
        x = x + self.fc2(_gelu(self.fc1(self.ffn_norm(x))))
        return x, k_t, v


class WhisperDecoderExport(nn.Module):
    def __init__(self, hf_model: Any) -> None:
        super().__init__()
        config = hf_model.config
        decoder = hf_model.model.decoder
        # The one copy of the tied embedding, transposed so the logits are a plain MatMul.
        self.embedding_t = nn.Parameter(decoder.embed_tokens.weight.detach().t().contiguous())
        self.positions = decoder.embed_positions.weight
        self.layers = nn.ModuleList(
            _DecoderLayer(layer, config.decoder_attention_heads) for layer in decoder.layers
        )
        self.norm = decoder.layer_norm

    def forward(self, tokens: Tensor, *caches: Tensor) -> tuple[Tensor, ...]:
        count = len(self.layers)
        past_k, past_v = caches[0:count], caches[count : 2 * count]
        cross_k, cross_v = caches[2 * count : 3 * count], caches[3 * count : 4 * count]
        past_length = past_k[0].shape[3]
        new_length = tokens.shape[1]
        x = torch.index_select(self.embedding_t, 1, tokens[0]).t().unsqueeze(0)
        x = x + self.positions[past_length : past_length + new_length]
        query_pos = torch.arange(new_length).unsqueeze(1) + past_length
        key_pos = torch.arange(past_length + new_length).unsqueeze(0)
        mask = torch.where(key_pos > query_pos, torch.tensor(-1e9), torch.tensor(0.0))
        present_k: list[Tensor] = []
        present_v: list[Tensor] = []
        for index, layer in enumerate(self.layers):
            x, k_t, v = layer(x, mask, past_k[index], past_v[index], cross_k[index], cross_v[index])
            present_k.append(k_t)
            present_v.append(v)
        logits = torch.matmul(self.norm(x[:, -1, :]), self.embedding_t)
        return (logits, *present_k, *present_v)


def export_onnx(hf_model: Any, out_dir: Path) -> tuple[Path, Path]:
    """Write encoder.onnx and decoder.onnx (FP32) and check them against the torch model."""
    hf_model = hf_model.float().eval()
    config = hf_model.config
    layers, heads = config.decoder_layers, config.decoder_attention_heads
    head_dim = config.d_model // heads
    encoder, decoder = WhisperEncoderExport(hf_model).eval(), WhisperDecoderExport(hf_model).eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    encoder_path, decoder_path = out_dir / "encoder.onnx", out_dir / "decoder.onnx"

    cross_names = [f"cross_k_{i}" for i in range(layers)] + [f"cross_v_{i}" for i in range(layers)]
    encoder_outputs = [name for i in range(layers) for name in (f"cross_k_{i}", f"cross_v_{i}")]
    mel = torch.randn(1, config.num_mel_bins, 400)
    with torch.no_grad():
        torch.onnx.export(
            encoder,
            (mel,),
            str(encoder_path),
            dynamo=False,
            opset_version=OPSET,
            input_names=["mel"],
            output_names=encoder_outputs,
            dynamic_axes={"mel": {2: "frames"}}
            | {
                name: ({3: "audio_ctx"} if name.startswith("cross_k") else {2: "audio_ctx"})
                for name in encoder_outputs
            },
        )
        cross = encoder(mel)
        cross_k, cross_v = list(cross[0::2]), list(cross[1::2])
        tokens = torch.tensor([[50258, 50259, 50359, 50363]], dtype=torch.long)
        past_k = [torch.zeros(1, heads, head_dim, 0) for _ in range(layers)]
        past_v = [torch.zeros(1, heads, 0, head_dim) for _ in range(layers)]
        past_names = [f"past_k_{i}" for i in range(layers)] + [f"past_v_{i}" for i in range(layers)]
        present_names = [f"present_k_{i}" for i in range(layers)] + [f"present_v_{i}" for i in range(layers)]
        dynamic: dict[str, dict[int, str]] = {"tokens": {1: "new_tokens"}}
        for i in range(layers):
            dynamic[f"past_k_{i}"] = {3: "past"}
            dynamic[f"past_v_{i}"] = {2: "past"}
            dynamic[f"present_k_{i}"] = {3: "total"}
            dynamic[f"present_v_{i}"] = {2: "total"}
            dynamic[f"cross_k_{i}"] = {3: "audio_ctx"}
            dynamic[f"cross_v_{i}"] = {2: "audio_ctx"}
        torch.onnx.export(
            decoder,
            (tokens, *past_k, *past_v, *cross_k, *cross_v),
            str(decoder_path),
            dynamo=False,
            opset_version=OPSET,
            input_names=["tokens", *past_names, *cross_names],
            output_names=["logits", *present_names],
            dynamic_axes=dynamic,
        )
        _check_against_hf(hf_model, encoder_path, decoder_path, mel, tokens)
    return encoder_path, decoder_path


def _check_against_hf(
    hf_model: Any, encoder_path: Path, decoder_path: Path, mel: Tensor, tokens: Tensor
) -> None:
    """The exported pair must reproduce HF's logits on a full 30 s input (the reference shape)."""
    import numpy as np
    import onnxruntime as ort

    config = hf_model.config
    layers, heads = config.decoder_layers, config.decoder_attention_heads
    head_dim = config.d_model // heads
    full_mel = torch.nn.functional.pad(mel, (0, 3000 - mel.shape[2]))
    reference = hf_model(input_features=full_mel, decoder_input_ids=tokens).logits[0, -1].numpy()
    enc = ort.InferenceSession(str(encoder_path), providers=["CPUExecutionProvider"])
    dec = ort.InferenceSession(str(decoder_path), providers=["CPUExecutionProvider"])
    cross = enc.run(None, {"mel": full_mel.numpy()})
    feeds: dict[str, Any] = {"tokens": tokens.numpy()}
    for i in range(layers):
        feeds[f"past_k_{i}"] = np.zeros((1, heads, head_dim, 0), np.float32)
        feeds[f"past_v_{i}"] = np.zeros((1, heads, 0, head_dim), np.float32)
        feeds[f"cross_k_{i}"], feeds[f"cross_v_{i}"] = cross[2 * i], cross[2 * i + 1]
    logits = dec.run(["logits"], feeds)[0][0]
    error = float(np.abs(logits - reference).max())
    if error > 1e-2:
        raise RuntimeError(f"exported decoder differs from transformers by {error:.4g} (max abs logit)")
