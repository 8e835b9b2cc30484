"""Caller audio -> transcript: decode, VAD, then Whisper (INT8 ONNX) on the speech span only.

Sessions are created once (Lambda init) and warmed up, so the first caller turn is as fast
as the rest. No speech found by VAD means no Whisper call at all: Whisper invents sentences
for silence and line noise.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from outdial import artifacts
from outdial.asr.features import CHUNK_FRAMES, HOP_LENGTH, SAMPLE_RATE
from outdial.asr.vad import VoiceActivityDetector, speech_span
from outdial.asr.whisper import FloatArray, WhisperOnnx
from outdial.audio.codecs import decode_audio, file_encoding
from outdial.errors import AudioDecodeError, ModelNotAvailableError
from outdial.models import AsrOutput, AudioEncoding, Lang

SPEECH_MARGIN_SECONDS = 0.3  # kept around the VAD span: word edges score under the threshold
WINDOW_SAMPLES = (CHUNK_FRAMES - 100) * HOP_LENGTH  # 29 s pieces leave room for the encoder margin
NO_SPEECH_DEFAULT_LANG: Lang = "en"  # AsrOutput needs a language even when nobody spoke


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000.0


class SpeechRecognizer:
    def __init__(self, whisper: WhisperOnnx, vad: VoiceActivityDetector) -> None:
        self._whisper = whisper
        self._vad = vad

    @classmethod
    def load(cls, model_dir: Path | None = None, threads: int = 2) -> SpeechRecognizer:
        """Create the ONNX sessions once and warm them up (a cold first run is ~4x slower)."""
        directory = model_dir if model_dir is not None else artifacts.model_dir("asr")
        vad_path = directory / "vad.onnx"
        if not vad_path.is_file():
            raise ModelNotAvailableError(f"ASR model files missing: {vad_path}")
        return cls(WhisperOnnx.load(directory, threads=threads), VoiceActivityDetector.load(vad_path))

    def transcribe(
        self, audio: bytes, encoding: AudioEncoding, sample_rate: int, lang: Lang | None
    ) -> AsrOutput:
        started = time.perf_counter()
        stage_ms: dict[str, float] = {}
        mark = time.perf_counter()
        samples = decode_audio(audio, encoding, sample_rate)
        stage_ms["decode"] = _ms(mark)
        audio_ms = samples.size / SAMPLE_RATE * 1000.0

        mark = time.perf_counter()
        segments = self._vad.segments(samples)
        stage_ms["vad"] = _ms(mark)
        speech_ms = sum(s.end - s.start for s in segments) / SAMPLE_RATE * 1000.0
        if not segments:
            return AsrOutput(
                text="",
                lang=lang or NO_SPEECH_DEFAULT_LANG,
                audio_ms=audio_ms,
                speech_ms=0.0,
                no_speech=True,
                compute_ms=_ms(started),
                stage_ms=stage_ms,
            )
        start, end = speech_span(segments, samples.size, int(SPEECH_MARGIN_SECONDS * SAMPLE_RATE))
        text, detected, decode_ms = self._transcribe_speech(samples[start:end], lang)
        for stage in ("features", "encoder", "decoder"):
            stage_ms[stage] = decode_ms.get(stage, 0.0)
        return AsrOutput(
            text=text,
            lang=detected,
            audio_ms=audio_ms,
            speech_ms=speech_ms,
            no_speech=False,
            compute_ms=_ms(started),
            stage_ms=stage_ms,
        )

    def _transcribe_speech(self, speech: FloatArray, lang: Lang | None) -> tuple[str, Lang, dict[str, float]]:
        """Whisper sees at most 30 s at a time; longer speech is read window by window."""
        texts: list[str] = []
        totals: dict[str, float] = {}
        for offset in range(0, speech.size, WINDOW_SAMPLES):
            window = speech[offset : offset + WINDOW_SAMPLES]
            if window.size < SAMPLE_RATE // 10 and texts:
                break  # a sliver left over from the split: nothing Whisper can read
            result = self._whisper.transcribe(np.ascontiguousarray(window), lang)
            lang = result.lang  # later windows keep the language of the first
            if result.text:
                texts.append(result.text)
            for stage, value in result.stage_ms.items():
                totals[stage] = totals.get(stage, 0.0) + value
        assert lang is not None
        return ("" if lang == "zh" else " ").join(texts), lang, totals


def read_audio_file(path: Path) -> tuple[bytes, AudioEncoding, int]:
    data = path.read_bytes()
    encoding, rate = file_encoding(path, data[:4])
    return data, encoding, rate


def transcribe_files(
    paths: Iterable[Path], lang: Lang | None, recognizer: SpeechRecognizer | None = None
) -> Iterator[dict[str, Any]]:
    """For `outdial transcribe`: one result per file (WAV by header, raw .ulaw/.alaw by suffix)."""
    engine = recognizer or SpeechRecognizer.load()
    for path in paths:
        try:
            data, encoding, rate = read_audio_file(path)
            result = engine.transcribe(data, encoding, rate, lang)
        except AudioDecodeError as exc:
            raise AudioDecodeError(f"{path}: {exc}") from exc
        yield {
            "file": str(path),
            "text": result.text,
            "lang": result.lang,
            "audio_ms": round(result.audio_ms, 1),
            "compute_ms": round(result.compute_ms, 1),
        }
