"""Telephone audio in and out: WAV / G.711 μ-law / A-law / PCM16 <-> float32 mono 16 kHz.

Everything is numpy; no audio library is needed at run time. The resampler is a windowed-sinc
polyphase filter (Kaiser window), which keeps more of the 3.4 kHz phone band intact than a
cheap linear interpolator does — it measurably helps Whisper on 8 kHz calls.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from math import gcd
from pathlib import Path

import numpy as np
import numpy.typing as npt

from outdial.errors import AudioDecodeError
from outdial.models import AudioEncoding

FloatArray = npt.NDArray[np.float32]
TARGET_RATE = 16000
RAW_RATES = (8000, 16000)
MAX_AUDIO_SECONDS = 120.0  # one caller turn; longer payloads are a client bug, not a turn

_WAVE_PCM, _WAVE_ALAW, _WAVE_MULAW, _WAVE_EXTENSIBLE = 1, 6, 7, 0xFFFE
_WAVE_TAG_NAMES = {2: "MS ADPCM", 3: "IEEE float", 0x11: "IMA ADPCM", 0x31: "GSM 6.10", 0x55: "MP3"}

# --- G.711 -------------------------------------------------------------------------------

_MULAW_BIAS = 0x84
_MULAW_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)
_ALAW_SEGMENT_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF], dtype=np.int32)


def _mulaw_table() -> npt.NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    magnitude = (((code & 0x0F) << 3) + _MULAW_BIAS) << ((code & 0x70) >> 4)
    return np.where(code & 0x80, _MULAW_BIAS - magnitude, magnitude - _MULAW_BIAS).astype(np.int16)


def _alaw_table() -> npt.NDArray[np.int16]:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    segment = (code & 0x70) >> 4
    magnitude = (code & 0x0F) << 4
    magnitude = np.where(segment == 0, magnitude + 8, (magnitude + 0x108) << np.maximum(segment - 1, 0))
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


MULAW_TO_PCM16 = _mulaw_table()
ALAW_TO_PCM16 = _alaw_table()


def pcm16_to_mulaw(samples: npt.NDArray[np.int16]) -> bytes:
    """G.711 μ-law encoding (the classic Sun reference algorithm, vectorised)."""
    value = samples.astype(np.int32) >> 2  # 14-bit magnitude domain
    mask = np.where(value < 0, 0x7F, 0xFF)
    value = np.minimum(np.abs(value), 8159) + (_MULAW_BIAS >> 2)
    segment = np.searchsorted(_MULAW_SEGMENT_ENDS, value)
    code = (segment << 4) | ((value >> (segment + 1)) & 0x0F)
    return bytes((code ^ mask).astype(np.uint8).tobytes())


def pcm16_to_alaw(samples: npt.NDArray[np.int16]) -> bytes:
    """G.711 A-law encoding (the classic Sun reference algorithm, vectorised)."""
    value = samples.astype(np.int32) >> 3  # 13-bit domain
    negative = value < 0
    mask = np.where(negative, 0x55, 0xD5)
    value = np.where(negative, -value - 1, value)
    segment = np.searchsorted(_ALAW_SEGMENT_ENDS, value)
    mantissa = np.where(segment < 2, value >> 1, value >> np.maximum(segment, 1)) & 0x0F
    code = np.where(segment >= 8, 0x7F, (segment << 4) | mantissa)
    return bytes((code ^ mask).astype(np.uint8).tobytes())


def float_to_pcm16(samples: FloatArray) -> npt.NDArray[np.int16]:
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)


# --- resampling ------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _polyphase_taps(up: int, down: int, zero_crossings: int = 24, beta: float = 7.0) -> FloatArray:
    """Kaiser-windowed sinc taps, one row per output phase; each row sums to 1 (unity DC gain)."""
    # Relative to the lower Nyquist: 0.96 keeps the phone band flat to 3.4 kHz (within 1e-4) at 8 kHz.
    cutoff = min(1.0, up / down) * 0.96
    half = int(np.ceil(zero_crossings / cutoff))
    offsets = np.arange(-half + 1, half + 1)  # input samples around floor(t)
    phases = np.arange(up)[:, None] / up  # fractional position of the output sample
    distance = phases - offsets[None, :]
    window = np.i0(beta * np.sqrt(np.clip(1.0 - (distance / half) ** 2, 0.0, 1.0))) / np.i0(beta)
    taps = cutoff * np.sinc(cutoff * distance) * window
    normalised: FloatArray = (taps / taps.sum(axis=1, keepdims=True)).astype(np.float32)
    return normalised


def resample(samples: FloatArray, source_rate: int, target_rate: int = TARGET_RATE) -> FloatArray:
    """Windowed-sinc polyphase resampling by the rational factor target/source."""
    if source_rate == target_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    divisor = gcd(source_rate, target_rate)
    up, down = target_rate // divisor, source_rate // divisor
    taps = _polyphase_taps(up, down)
    half = taps.shape[1] // 2
    padded = np.pad(samples.astype(np.float32, copy=False), (half, half))
    if down == 1:
        # Integer upsampling (8 -> 16 kHz, the hot path): each output phase is one correlation,
        # ~5x faster than gathering a [samples, taps] matrix.
        upsampled = np.empty(samples.size * up, dtype=np.float32)
        for phase_index, phase_taps in enumerate(taps):
            streamed = np.correlate(padded[1:], phase_taps, mode="valid")
            upsampled[phase_index::up] = streamed[: samples.size]
        return upsampled
    count = (samples.size * up) // down
    position = np.arange(count, dtype=np.int64) * down  # in units of 1/up input samples
    base, phase = position // up, position % up
    # Input index for tap k of output n is base[n] + k - half + 1 (shifted by the padding).
    indices = base[:, None] + np.arange(1, taps.shape[1] + 1)[None, :]
    out: FloatArray = np.einsum("nk,nk->n", padded[indices], taps[phase]).astype(np.float32)
    return out


# --- decoding ----------------------------------------------------------------------------


def _check_length(sample_count: int, rate: int) -> None:
    seconds = sample_count / rate
    if seconds > MAX_AUDIO_SECONDS:
        raise AudioDecodeError(f"audio is {seconds:.1f} s long; the limit is {MAX_AUDIO_SECONDS:.0f} s")


def _g711_or_pcm(payload: bytes, encoding: AudioEncoding) -> FloatArray:
    if encoding == "mulaw":
        pcm = MULAW_TO_PCM16[np.frombuffer(payload, dtype=np.uint8)]
    elif encoding == "alaw":
        pcm = ALAW_TO_PCM16[np.frombuffer(payload, dtype=np.uint8)]
    elif encoding == "pcm16":
        if len(payload) % 2:
            raise AudioDecodeError(f"PCM16 audio has an odd byte count ({len(payload)}); it is truncated")
        pcm = np.frombuffer(payload, dtype="<i2")
    else:
        raise AudioDecodeError(f"unsupported audio encoding {encoding!r}")
    return (pcm.astype(np.float32) / 32768.0).astype(np.float32)


def decode_raw(payload: bytes, encoding: AudioEncoding, sample_rate: int) -> FloatArray:
    """Headerless μ-law / A-law / PCM16 (little-endian) mono bytes -> float32 mono 16 kHz."""
    if not payload:
        raise AudioDecodeError("audio payload is empty")
    if sample_rate not in RAW_RATES:
        raise AudioDecodeError(
            f"unsupported sample rate {sample_rate} Hz for raw {encoding}; use 8000 or 16000"
        )
    samples = _g711_or_pcm(payload, encoding)
    _check_length(samples.size, sample_rate)
    return resample(samples, sample_rate)


def _read_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        body = data[offset + 8 : offset + 8 + size]
        if chunk_id == b"data" and len(body) < size and size not in (0, 0xFFFFFFFF):
            # Streaming writers leave 0 or 0xFFFFFFFF there; any other shortfall is a cut file.
            raise AudioDecodeError(f"truncated WAV: data chunk declares {size} bytes but holds {len(body)}")
        chunks.setdefault(chunk_id, body)
        offset += 8 + size + (size & 1)  # chunks are word-aligned
    return chunks


def decode_wav(data: bytes) -> FloatArray:
    """A RIFF/WAVE file (PCM16, μ-law tag 7 or A-law tag 6; mono or stereo) -> float32 mono 16 kHz."""
    samples, rate = read_wav(data)
    return resample(samples, rate)


def read_wav(data: bytes) -> tuple[FloatArray, int]:
    """A RIFF/WAVE file -> float32 mono samples at the file's own rate, and that rate."""
    if not data:
        raise AudioDecodeError("audio payload is empty")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioDecodeError("not a WAV file (no RIFF/WAVE header)")
    chunks = _read_chunks(data)
    fmt = chunks.get(b"fmt ")
    if fmt is None or len(fmt) < 16:
        raise AudioDecodeError("truncated WAV: missing or short 'fmt ' chunk")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _WAVE_EXTENSIBLE and len(fmt) >= 26:
        (tag,) = struct.unpack_from("<H", fmt, 24)  # first two bytes of the sub-format GUID
    if b"data" not in chunks:
        raise AudioDecodeError("truncated WAV: no 'data' chunk")
    payload = chunks[b"data"]
    if not payload:
        raise AudioDecodeError("WAV has no audio samples (empty data chunk)")
    encoding: AudioEncoding
    if tag == _WAVE_PCM and bits == 16:
        encoding = "pcm16"
    elif tag == _WAVE_MULAW and bits == 8:
        encoding = "mulaw"
    elif tag == _WAVE_ALAW and bits == 8:
        encoding = "alaw"
    elif tag == _WAVE_PCM:
        raise AudioDecodeError(f"unsupported WAV PCM bit depth {bits}; only 16-bit PCM is supported")
    else:
        name = _WAVE_TAG_NAMES.get(tag, "unknown")
        raise AudioDecodeError(
            f"unsupported WAV format tag {tag} ({name}); supported: 1 (PCM16), 6 (A-law), 7 (μ-law)"
        )
    if channels not in (1, 2):
        raise AudioDecodeError(f"unsupported WAV channel count {channels}; mono or stereo only")
    if rate < 4000 or rate > 192000:
        raise AudioDecodeError(f"implausible WAV sample rate {rate} Hz")
    frame_bytes = channels * bits // 8
    if block_align and block_align != frame_bytes:
        raise AudioDecodeError(f"WAV block align {block_align} does not match {channels}ch x {bits} bit")
    usable = len(payload) - len(payload) % frame_bytes
    if usable == 0:
        raise AudioDecodeError("truncated WAV: the data chunk holds less than one sample frame")
    samples = _g711_or_pcm(payload[:usable], encoding)
    if channels == 2:
        samples = samples.reshape(-1, 2).mean(axis=1).astype(np.float32)
    _check_length(samples.size, rate)
    return samples, rate


def decode_audio(payload: bytes, encoding: AudioEncoding, sample_rate: int) -> FloatArray:
    """The one entry point the ASR stage uses: any supported payload -> float32 mono 16 kHz."""
    if encoding == "wav":
        return decode_wav(payload)
    return decode_raw(payload, encoding, sample_rate)


RAW_SUFFIXES: dict[str, AudioEncoding] = {
    ".ul": "mulaw",
    ".ulaw": "mulaw",
    ".mulaw": "mulaw",
    ".al": "alaw",
    ".alaw": "alaw",
}


def file_encoding(path: Path, head: bytes) -> tuple[AudioEncoding, int]:
    """How to read a file: WAV by its header, raw G.711 by suffix (8 kHz)."""
    if head[:4] == b"RIFF":
        return "wav", 0
    suffix = path.suffix.lower()
    if suffix in RAW_SUFFIXES:
        return RAW_SUFFIXES[suffix], 8000
    raise AudioDecodeError(
        f"{path}: not a WAV file and the suffix {suffix!r} is not a raw G.711 one ({', '.join(RAW_SUFFIXES)})"
    )


def write_wav(samples: npt.NDArray[np.int16] | bytes, sample_rate: int, encoding: AudioEncoding) -> bytes:
    """A minimal mono WAV: PCM16 from int16 samples, or μ-law/A-law from already encoded bytes."""
    if encoding == "pcm16":
        assert isinstance(samples, np.ndarray)
        payload, tag, bits = samples.astype("<i2").tobytes(), _WAVE_PCM, 16
    elif encoding in ("mulaw", "alaw"):
        assert isinstance(samples, bytes)
        payload, tag, bits = samples, (_WAVE_MULAW if encoding == "mulaw" else _WAVE_ALAW), 8
    else:
        raise ValueError(f"cannot write a WAV with encoding {encoding!r}")
    block = bits // 8
    # Non-PCM formats carry a cbSize field (18-byte fmt chunk).
    fmt = struct.pack("<HHIIHH", tag, 1, sample_rate, sample_rate * block, block, bits)
    if tag != _WAVE_PCM:
        fmt += struct.pack("<H", 0)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + body
