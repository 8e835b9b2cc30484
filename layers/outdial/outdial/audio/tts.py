"""Synthetic caller speech: text -> 8 kHz G.711 μ-law bytes, voiced by espeak-ng.

Used by the demo's simulated callees, the committed fixture clips and the ASR benchmark.
Only the espeak-ng binary is needed; resampling and μ-law encoding are done in numpy.
"""

from __future__ import annotations

import shutil
import struct
import subprocess

import numpy as np

from outdial.audio.codecs import float_to_pcm16, pcm16_to_mulaw, read_wav, resample
from outdial.errors import OutdialError
from outdial.models import Lang

PHONE_RATE = 8000
# Mandarin uses cmn's "Latin as pinyin" variant: with plain `cmn`, espeak-ng 1.51 (Debian 12)
# reads the tone digits of its own dictionary's pinyin as English numbers ("zuo2" -> "zuo two").
ESPEAK_VOICES: dict[Lang, str] = {"zh": "cmn-latn-pinyin", "en": "en-us"}
ESPEAK_WORDS_PER_MINUTE = 150
PEAK_LEVEL = 0.7  # about -3 dBFS: loud enough, never clipping after μ-law


class SpeechSynthesisError(OutdialError):
    """espeak-ng is missing or failed to render a line."""


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _fix_stream_sizes(wav: bytes) -> bytes:
    """espeak-ng --stdout writes placeholder RIFF/data sizes (it streams); set the real ones."""
    data_at = wav.find(b"data", 12)
    if data_at < 0:
        raise SpeechSynthesisError("espeak-ng produced no WAV data chunk")
    payload = len(wav) - data_at - 8
    fixed = bytearray(wav)
    struct.pack_into("<I", fixed, 4, len(wav) - 8)
    struct.pack_into("<I", fixed, data_at + 4, payload)
    return bytes(fixed)


def render_phone_audio(text: str, lang: Lang, words_per_minute: int = ESPEAK_WORDS_PER_MINUTE) -> bytes:
    """Speak ``text`` with espeak-ng and return it as 8 kHz μ-law (what a phone line carries)."""
    if not espeak_available():
        raise SpeechSynthesisError("espeak-ng is not installed (apt-get install espeak-ng)")
    if not text.strip():
        raise SpeechSynthesisError("nothing to say: the text is empty")
    command = ["espeak-ng", "--stdout", "-v", ESPEAK_VOICES[lang], "-s", str(words_per_minute), "--", text]
    try:
        result = subprocess.run(command, capture_output=True, check=True, timeout=60)
    except subprocess.CalledProcessError as exc:
        raise SpeechSynthesisError(
            f"espeak-ng failed: {exc.stderr.decode(errors='replace').strip()}"
        ) from exc
    samples, rate = read_wav(_fix_stream_sizes(result.stdout))
    phone = resample(samples, rate, PHONE_RATE)
    peak = float(np.max(np.abs(phone))) if phone.size else 0.0
    if peak > 0:
        phone = (phone * (PEAK_LEVEL / peak)).astype(np.float32)
    return pcm16_to_mulaw(float_to_pcm16(phone))
