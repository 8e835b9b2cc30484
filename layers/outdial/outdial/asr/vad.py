"""Voice activity detection with Silero VAD v6 (ONNX, 16 kHz), run with onnxruntime + numpy.

The model scores 32 ms windows (512 samples, plus 64 samples of context from the previous
window) and carries a recurrent state. Segmenting follows silero-vad's get_speech_timestamps:
hysteresis between an onset and an offset threshold, short blips dropped, short gaps bridged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

SAMPLE_RATE = 16000
WINDOW = 512
CONTEXT = 64
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SpeechSegment:
    start: int  # samples at 16 kHz
    end: int


@dataclass(frozen=True)
class VadSettings:
    threshold: float = 0.5
    offset_threshold: float = 0.35  # silero's default: threshold - 0.15
    min_speech_ms: float = 250.0
    min_silence_ms: float = 100.0
    pad_ms: float = 30.0


class VoiceActivityDetector:
    def __init__(self, session: ort.InferenceSession, settings: VadSettings | None = None) -> None:
        self._session = session
        self.settings = settings or VadSettings()

    @classmethod
    def load(cls, path: Path, threads: int = 1) -> VoiceActivityDetector:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # tiny model: more threads only add overhead
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        detector = cls(session)
        detector.probabilities(np.zeros(WINDOW * 4, dtype=np.float32))  # warm-up
        return detector

    def probabilities(self, audio: FloatArray) -> FloatArray:
        """Speech probability of each 512-sample window (the last one zero-padded)."""
        count = -(-audio.size // WINDOW)
        padded = np.zeros(CONTEXT + count * WINDOW, dtype=np.float32)
        padded[CONTEXT : CONTEXT + audio.size] = audio
        state = np.zeros((2, 1, 128), dtype=np.float32)
        rate = np.array(SAMPLE_RATE, dtype=np.int64)
        scores = np.empty(count, dtype=np.float32)
        for index in range(count):
            start = index * WINDOW  # window plus the 64 samples before it
            chunk = padded[start : start + CONTEXT + WINDOW][None, :]
            output, state = self._session.run(None, {"input": chunk, "state": state, "sr": rate})
            scores[index] = output[0, 0]
        return scores

    def segments(self, audio: FloatArray) -> list[SpeechSegment]:
        settings = self.settings
        scores = self.probabilities(audio)
        per_ms = SAMPLE_RATE / 1000.0
        min_silence = settings.min_silence_ms * per_ms
        found: list[SpeechSegment] = []
        start: int | None = None
        silence_since: int | None = None
        for index, score in enumerate(scores):
            position = index * WINDOW
            if score >= settings.threshold:
                silence_since = None
                if start is None:
                    start = position
            elif start is not None and score < settings.offset_threshold:
                if silence_since is None:
                    silence_since = position
                if position + WINDOW - silence_since >= min_silence:
                    found.append(SpeechSegment(start, silence_since))
                    start, silence_since = None, None
        if start is not None:
            found.append(SpeechSegment(start, audio.size))
        min_speech = settings.min_speech_ms * per_ms
        pad = int(settings.pad_ms * per_ms)
        return [
            SpeechSegment(max(0, s.start - pad), min(audio.size, s.end + pad))
            for s in found
            if s.end - s.start >= min_speech
        ]


def speech_span(segments: list[SpeechSegment], length: int, margin: int) -> tuple[int, int]:
    """From the first speech onset to the last offset, widened by ``margin`` samples each side.

    Pauses between segments are kept: Whisper reads them as punctuation, and cutting inside
    an utterance loses words that VAD scored just under the threshold.
    """
    return max(0, segments[0].start - margin), min(length, segments[-1].end + margin)
