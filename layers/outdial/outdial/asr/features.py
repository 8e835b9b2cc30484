"""Whisper's log-mel spectrogram in numpy (matches transformers' WhisperFeatureExtractor).

25 ms Hann windows every 10 ms (n_fft 400, hop 160 at 16 kHz), Slaney-style mel filters,
log10 clamped to 8 decades below the peak, then scaled to roughly [-1, 1].
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
CHUNK_FRAMES = 3000  # 30 s: the longest input the encoder's position table covers

FloatArray = npt.NDArray[np.float32]


def _hz_to_mel(freq: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    min_log_hz, min_log_mel, logstep = 1000.0, 15.0, np.log(6.4) / 27.0
    linear = 3.0 * freq / 200.0
    return np.where(
        freq >= min_log_hz, min_log_mel + np.log(np.maximum(freq, 1e-10) / min_log_hz) / logstep, linear
    )


def _mel_to_hz(mels: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    min_log_hz, min_log_mel, logstep = 1000.0, 15.0, np.log(6.4) / 27.0
    linear = 200.0 * mels / 3.0
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), linear)


@lru_cache(maxsize=4)
def mel_filters(n_mels: int = 80) -> FloatArray:
    """[n_mels, n_fft/2 + 1] triangular filters, area-normalised (Slaney), as librosa builds them."""
    fft_freqs = np.linspace(0.0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    mel_points = np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SAMPLE_RATE / 2.0)), n_mels + 2)
    hz_points = _mel_to_hz(mel_points)
    widths = np.diff(hz_points)
    ramps = hz_points[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    filters = np.maximum(0.0, np.minimum(lower, upper))
    filters *= (2.0 / (hz_points[2:] - hz_points[:-2]))[:, None]
    return filters.astype(np.float32)


@lru_cache(maxsize=4)
def _sparse_mel_filters(n_mels: int) -> tuple[npt.NDArray[np.intp], FloatArray, npt.NDArray[np.intp]]:
    """The filters as (bin, weight) pairs grouped by filter: ~400 non-zeros instead of 80 x 201.

    Applying them with a gather + reduceat avoids a BLAS call, whose worker threads stalled
    for 10-15 ms when the CPU was shared with ONNX Runtime's threads.
    """
    filters = mel_filters(n_mels)
    rows, bins = np.nonzero(filters)  # row-major, so grouped by filter; every filter has a bin
    starts = np.searchsorted(rows, np.arange(n_mels))
    return bins, filters[rows, bins], starts


@lru_cache(maxsize=1)
def _hann_window() -> FloatArray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic


def log_mel(audio: FloatArray, frames: int, n_mels: int = 80) -> FloatArray:
    """Log-mel features [1, n_mels, frames] of 16 kHz audio, zero-padded (or cut) to ``frames``.

    Padding the audio to frames*160 samples gives the same first frames as Whisper's 30 s
    padding, so the encoder input can be cut to the audio instead of always being 3000 frames.
    """
    samples = np.zeros(frames * HOP_LENGTH, dtype=np.float32)
    usable = min(audio.size, samples.size)
    samples[:usable] = audio[:usable]
    padded = np.pad(samples, N_FFT // 2, mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP_LENGTH][:frames]
    spectrum = np.fft.rfft(windows * _hann_window(), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    bins, weights, starts = _sparse_mel_filters(n_mels)
    mel = np.add.reduceat(power[:, bins] * weights, starts, axis=1).T
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    features: FloatArray = ((log_spec + 4.0) / 4.0).astype(np.float32)[None, :, :]
    return features


def encoder_frames(sample_count: int, margin_frames: int = 50, step: int = 100) -> int:
    """Encoder input length for a clip: its frames plus a margin, rounded up, capped at 30 s."""
    needed = -(-sample_count // HOP_LENGTH) + margin_frames
    return int(min(CHUNK_FRAMES, -(-needed // step) * step))
