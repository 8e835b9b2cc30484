"""Whisper inference on INT8 ONNX graphs: encoder once, then greedy decoding with a KV cache.

The graphs come from infra/models/asr_export.py: the encoder takes a mel input cut to the
audio (not padded to 30 s, ~6x cheaper) and returns each decoder layer's cross-attention
K/V; the decoder takes new tokens plus the self-attention cache and returns the last
position's logits and the grown cache.

Cutting the encoder input makes Whisper prone to repeating its sentence once it is done;
an exact repetition of the last >= 3 tokens ends decoding (and the repeat is dropped).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import zhconv
from tokenizers import Tokenizer

from outdial.asr.features import SAMPLE_RATE, encoder_frames, log_mel
from outdial.errors import ModelNotAvailableError
from outdial.models import Lang

FloatArray = npt.NDArray[np.float32]
MIN_REPEAT_TOKENS = 3
TOKENS_PER_SECOND_LIMIT = 25  # generous: Mandarin runs ~10 tokens/s; anything beyond is a loop
MAX_NEW_TOKENS = 224  # Whisper's own cap (half the 448-token context)
# A simplified-Chinese previous-text prompt steers Whisper to simplified characters and
# Mandarin punctuation; on the benchmark clips it cut the CER by ~6 points.
DEFAULT_ZH_PROMPT = "以下是普通话的句子。"


@dataclass(frozen=True)
class WhisperFacts:
    """The checkpoint facts the runtime needs, read from whisper_config.json."""

    n_mels: int
    layers: int
    heads: int
    head_dim: int
    vocab_size: int
    max_target_positions: int
    sot: int
    eot: int
    transcribe: int
    no_timestamps: int
    start_of_prev: int
    lang_ids: dict[str, int]
    suppress_tokens: tuple[int, ...]
    begin_suppress_tokens: tuple[int, ...]
    sentence_end_tokens: frozenset[int]

    @classmethod
    def read(cls, path: Path) -> WhisperFacts:
        data = json.loads(path.read_text())
        return cls(
            **{
                k: data[k]
                for k in ("n_mels", "layers", "heads", "head_dim", "vocab_size", "max_target_positions")
            },
            **{
                k: int(data["special_ids"][k])
                for k in ("sot", "eot", "transcribe", "no_timestamps", "start_of_prev")
            },
            lang_ids={lang: int(i) for lang, i in data["lang_ids"].items()},
            suppress_tokens=tuple(data["suppress_tokens"]),
            begin_suppress_tokens=tuple(data["begin_suppress_tokens"]),
            sentence_end_tokens=frozenset(data["sentence_end_tokens"]),
        )


@dataclass
class DecodeResult:
    text: str
    lang: Lang
    tokens: list[int]
    stage_ms: dict[str, float] = field(default_factory=dict)
    stopped_on_repeat: bool = False


def session_options(threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle worker threads sleep instead of spinning: on a shared or fractional CPU (Lambda, a busy
    # host) spinning steals time from the thread doing the work (p50 284 -> 199 ms under load).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def repeated_tail(
    tokens: list[int], sentence_ends: frozenset[int], min_length: int = MIN_REPEAT_TOKENS
) -> int:
    """Length k of a looped block at the end of ``tokens`` (0 if none).

    A loop is a block of >= 3 tokens that directly repeats the one before it and holds a
    sentence end (Whisper loops re-read whole sentences), or that occurs three times in a
    row. Spoken repeats such as "1 2 3, 1 2 3" carry no sentence end and are kept.
    """
    for length in range(min_length, len(tokens) // 2 + 1):
        block = tokens[-length:]
        if block != tokens[-2 * length : -length]:
            continue
        if sentence_ends.intersection(block) or tokens[-3 * length : -2 * length] == block:
            return length
    return 0


class WhisperOnnx:
    def __init__(
        self,
        encoder: ort.InferenceSession,
        decoder: ort.InferenceSession,
        tokenizer: Tokenizer,
        facts: WhisperFacts,
        zh_prompt: str | None = DEFAULT_ZH_PROMPT,
    ) -> None:
        self._encoder, self._decoder = encoder, decoder
        self._tokenizer, self.facts = tokenizer, facts
        self._zh_prompt_ids = (
            [facts.start_of_prev, *tokenizer.encode(" " + zh_prompt, add_special_tokens=False).ids]
            if zh_prompt
            else []
        )
        self._sentence_ends = facts.sentence_end_tokens
        self._zh_prompt = zh_prompt or ""
        self._id_to_lang: dict[int, Lang] = {facts.lang_ids["zh"]: "zh", facts.lang_ids["en"]: "en"}
        # Text steps may produce text tokens or end-of-text; never specials, timestamps or task tokens.
        mask = np.zeros(facts.vocab_size, dtype=bool)
        mask[list(facts.suppress_tokens)] = True
        mask[facts.eot + 1 :] = True
        self._suppress = mask
        begin = mask.copy()
        begin[list(facts.begin_suppress_tokens)] = True
        self._begin_suppress = begin
        self._past_names = [f"past_k_{i}" for i in range(facts.layers)] + [
            f"past_v_{i}" for i in range(facts.layers)
        ]
        self._output_names = (
            ["logits"]
            + [f"present_k_{i}" for i in range(facts.layers)]
            + [f"present_v_{i}" for i in range(facts.layers)]
        )

    @classmethod
    def load(
        cls,
        model_dir: Path,
        threads: int = 2,
        encoder_file: str = "encoder.int8.onnx",
        decoder_file: str = "decoder.int8.onnx",
        zh_prompt: str | None = DEFAULT_ZH_PROMPT,
    ) -> WhisperOnnx:
        paths = [model_dir / encoder_file, model_dir / decoder_file, model_dir / "tokenizer.json"]
        paths.append(model_dir / "whisper_config.json")
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise ModelNotAvailableError(f"ASR model files missing: {', '.join(missing)}")
        options = session_options(threads)
        encoder = ort.InferenceSession(str(paths[0]), options, providers=["CPUExecutionProvider"])
        decoder = ort.InferenceSession(str(paths[1]), options, providers=["CPUExecutionProvider"])
        model = cls(
            encoder, decoder, Tokenizer.from_file(str(paths[2])), WhisperFacts.read(paths[3]), zh_prompt
        )
        model.warm_up()
        return model

    def warm_up(self) -> None:
        """The first run of a fresh session is several times slower (allocation, kernel choice)."""
        rng = np.random.default_rng(0)
        runs: tuple[tuple[float, Lang | None], ...] = ((1.0, "en"), (3.0, "zh"), (2.0, None))
        for seconds, lang in runs:
            noise = (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 0.01).astype(np.float32)
            self.transcribe(noise, lang, max_new_tokens=4)

    def _empty_cache(self) -> dict[str, FloatArray]:
        f = self.facts
        cache = {f"past_k_{i}": np.zeros((1, f.heads, f.head_dim, 0), np.float32) for i in range(f.layers)}
        cache |= {f"past_v_{i}": np.zeros((1, f.heads, 0, f.head_dim), np.float32) for i in range(f.layers)}
        return cache

    def _step(self, tokens: list[int], feeds: dict[str, Any]) -> FloatArray:
        feeds["tokens"] = np.array([tokens], dtype=np.int64)
        outputs = self._decoder.run(self._output_names, feeds)
        for name, value in zip(self._past_names, outputs[1:], strict=True):
            feeds[name] = value
        logits: FloatArray = outputs[0][0]
        return logits

    def _without_prompt_echo(self, text: str) -> str:
        """Whisper sometimes reads the prompt (or its tail) back as speech; drop such an echo."""
        bare = text.strip().rstrip("。，,.!?！？ ")
        if len(bare) >= 4 and self._zh_prompt.startswith(bare):  # the prompt's head, and nothing else
            return ""
        for length in range(len(self._zh_prompt), 3, -1):
            if text.startswith(self._zh_prompt[-length:]):
                return text[length:].lstrip()
        return text

    def detect_language(self, logits_after_sot: FloatArray) -> Lang:
        best = max(self._id_to_lang, key=lambda token: float(logits_after_sot[token]))
        return self._id_to_lang[best]

    def transcribe(
        self, audio: FloatArray, lang: Lang | None, max_new_tokens: int | None = None
    ) -> DecodeResult:
        """Greedy-decode up to 30 s of 16 kHz audio (callers split longer audio)."""
        f = self.facts
        timings: dict[str, float] = {}
        started = time.perf_counter()
        mel = log_mel(audio, encoder_frames(audio.size), f.n_mels)
        timings["features"] = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        cross = self._encoder.run(None, {"mel": mel})
        timings["encoder"] = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        feeds: dict[str, Any] = self._empty_cache()
        for i in range(f.layers):
            feeds[f"cross_k_{i}"], feeds[f"cross_v_{i}"] = cross[2 * i], cross[2 * i + 1]
        task = [f.transcribe, f.no_timestamps]
        if lang is None:
            lang = self.detect_language(self._step([f.sot], feeds))
            prefix = [f.lang_ids[lang], *task]
            if lang == "zh" and self._zh_prompt_ids:
                feeds |= self._empty_cache()  # the prompt has to come before <|startoftranscript|>
                prefix = [*self._zh_prompt_ids, f.sot, *prefix]
        else:
            prefix = [f.sot, f.lang_ids[lang], *task]
            if lang == "zh":
                prefix = [*self._zh_prompt_ids, *prefix]
        seconds = audio.size / SAMPLE_RATE
        limit = max_new_tokens or min(MAX_NEW_TOKENS, int(TOKENS_PER_SECOND_LIMIT * seconds) + 16)
        generated: list[int] = []
        stopped_on_repeat = False
        logits = self._step(prefix, feeds)
        while len(generated) < limit:
            logits = np.where(self._begin_suppress if not generated else self._suppress, -np.inf, logits)
            token = int(np.argmax(logits))
            if token == f.eot:
                break
            generated.append(token)
            repeat = repeated_tail(generated, self._sentence_ends)
            if repeat:
                del generated[-repeat:]
                stopped_on_repeat = True
                break
            logits = self._step([token], feeds)
        timings["decoder"] = (time.perf_counter() - started) * 1000
        text = self._tokenizer.decode(generated, skip_special_tokens=True).strip()
        if lang == "zh":  # Whisper often writes Mandarin in traditional characters
            text = zhconv.convert(self._without_prompt_echo(text), "zh-hans")
        return DecodeResult(text, lang, generated, timings, stopped_on_repeat)
