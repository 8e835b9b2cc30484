"""Audio decoding, G.711, resampling and WAV parsing (outdial.audio.codecs), plus the espeak-ng voice."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pytest
from outdial.audio.codecs import (
    ALAW_TO_PCM16,
    MULAW_TO_PCM16,
    decode_audio,
    decode_raw,
    decode_wav,
    file_encoding,
    float_to_pcm16,
    pcm16_to_alaw,
    pcm16_to_mulaw,
    resample,
    write_wav,
)
from outdial.audio.tts import espeak_available, render_phone_audio
from outdial.errors import AudioDecodeError
from outdial.models import Lang

FIXTURES = Path(__file__).resolve().parents[2] / "events" / "audio"
Int16Array = npt.NDArray[np.int16]
Encoder = Callable[[Int16Array], bytes]


def tone(freq: float, rate: int, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# --- G.711 ---------------------------------------------------------------------------------


def test_g711_decode_tables_match_the_standard_end_points() -> None:
    assert MULAW_TO_PCM16[0x00] == -32124 and MULAW_TO_PCM16[0x80] == 32124
    assert MULAW_TO_PCM16[0xFF] == 0 and MULAW_TO_PCM16[0x7F] == 0
    assert ALAW_TO_PCM16[0xD5] == 8 and ALAW_TO_PCM16[0x55] == -8
    assert ALAW_TO_PCM16[0xAA] == 32256 and ALAW_TO_PCM16[0x2A] == -32256
    assert np.all(np.diff(MULAW_TO_PCM16[0x80:][::-1].astype(int)) > 0)  # positive half is monotonic


@pytest.mark.parametrize(
    ("encode", "table"), [(pcm16_to_mulaw, MULAW_TO_PCM16), (pcm16_to_alaw, ALAW_TO_PCM16)]
)
def test_g711_encoding_round_trips_every_code_value(encode: Encoder, table: Int16Array) -> None:
    codes = np.frombuffer(encode(table), dtype=np.uint8)
    assert np.array_equal(table[codes], table)


@pytest.mark.parametrize(
    ("encode", "table"), [(pcm16_to_mulaw, MULAW_TO_PCM16), (pcm16_to_alaw, ALAW_TO_PCM16)]
)
def test_g711_quantisation_error_is_logarithmic(encode: Encoder, table: Int16Array) -> None:
    samples = np.linspace(-32000, 32000, 4001).astype(np.int16)
    decoded = table[np.frombuffer(encode(samples), dtype=np.uint8)].astype(float)
    error = np.abs(decoded - samples)
    assert np.all(error <= np.maximum(0.07 * np.abs(samples), 20))  # ~6 % relative at the top segment


def test_mulaw_bytes_decode_to_16k_float() -> None:
    payload = pcm16_to_mulaw(float_to_pcm16(tone(440, 8000)))
    audio = decode_raw(payload, "mulaw", 8000)
    assert audio.dtype == np.float32 and audio.size == 16000
    assert 0.45 < np.max(np.abs(audio)) < 0.55


# --- resampling ------------------------------------------------------------------------------


def test_upsampling_reproduces_a_tone_within_the_phone_band() -> None:
    for freq in (300.0, 1000.0, 3400.0):
        out = resample(tone(freq, 8000), 8000, 16000)
        assert out.size == 16000
        reference = tone(freq, 16000)
        assert np.max(np.abs(out[400:-400] - reference[400:-400])) < 0.01, freq


def test_upsampling_adds_no_images_above_4k() -> None:
    out = resample(tone(1000, 8000), 8000, 16000)
    spectrum = np.abs(np.fft.rfft(out[2000:-2000] * np.hanning(out.size - 4000)))
    freqs = np.fft.rfftfreq(out.size - 4000, 1 / 16000)
    assert spectrum[freqs > 4500].max() < 1e-3 * spectrum.max()  # the 7 kHz image is suppressed


def test_downsampling_filters_what_would_alias() -> None:
    out = resample(tone(6000, 16000), 16000, 8000)  # 6 kHz cannot exist at 8 kHz: must vanish
    assert out.size == 8000
    assert np.sqrt(np.mean(out[200:-200] ** 2)) < 0.005


def test_odd_rate_resampling_keeps_length_and_pitch() -> None:
    out = resample(tone(1000, 44100), 44100, 16000)
    assert out.size == 16000
    peak = np.argmax(np.abs(np.fft.rfft(out))) * 16000 / out.size
    assert abs(peak - 1000) < 2


# --- WAV ---------------------------------------------------------------------------------


def test_wav_pcm16_mono_at_16k_is_returned_as_is() -> None:
    samples = float_to_pcm16(tone(500, 16000, 0.5))
    audio = decode_wav(write_wav(samples, 16000, "pcm16"))
    assert audio.size == samples.size
    assert np.allclose(audio, samples / 32768.0, atol=1e-6)


def test_wav_stereo_is_mixed_to_mono() -> None:
    left = float_to_pcm16(tone(500, 8000, 0.5))
    right = np.zeros_like(left)
    interleaved = np.stack([left, right], axis=1).reshape(-1).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 2, 8000, 8000 * 4, 4, 16)
    body = (
        b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(interleaved))
        + interleaved
    )
    audio = decode_wav(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert audio.size == 8000  # 0.5 s at 16 kHz
    assert 0.2 < np.max(np.abs(audio)) < 0.3  # half of the left channel's 0.5


@pytest.mark.parametrize("encoding", ["mulaw", "alaw"])
def test_wav_g711_tags_decode(encoding: Literal["mulaw", "alaw"]) -> None:
    samples = float_to_pcm16(tone(700, 8000, 0.5))
    payload = pcm16_to_mulaw(samples) if encoding == "mulaw" else pcm16_to_alaw(samples)
    wav = write_wav(payload, 8000, encoding)
    assert struct.unpack_from("<H", wav, 20)[0] == (7 if encoding == "mulaw" else 6)
    audio = decode_audio(wav, "wav", 0)
    assert audio.size == 8000
    assert np.allclose(audio, decode_raw(payload, encoding, 8000), atol=1e-6)


def test_wav_extensible_header_is_read_by_sub_format() -> None:
    samples = float_to_pcm16(tone(500, 16000, 0.1))
    data = samples.astype("<i2").tobytes()
    guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt = (
        struct.pack("<HHIIHHHHI", 0xFFFE, 1, 16000, 32000, 2, 16, 22, 16, 4)
        + struct.pack("<H", 1)
        + guid_tail
    )
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    assert decode_wav(b"RIFF" + struct.pack("<I", len(body)) + body).size == samples.size


def test_committed_fixture_clips_are_small_mulaw_wavs() -> None:
    clips = sorted(FIXTURES.glob("*.wav"))
    assert len(clips) >= 5
    for clip in clips:
        data = clip.read_bytes()
        assert len(data) < 100_000, clip
        assert struct.unpack_from("<HHI", data, 20) == (7, 1, 8000), clip  # μ-law, mono, 8 kHz


# --- errors ------------------------------------------------------------------------------


def _wav_with(fmt_fields: tuple[int, ...], data: bytes = b"\x00\x01" * 10) -> bytes:
    fmt = struct.pack("<HHIIHH", *fmt_fields)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "empty"),
        (b"ID3\x03" + b"\x00" * 100, "not a WAV"),
        (write_wav(np.zeros(100, np.int16), 8000, "pcm16")[:30], "truncated WAV"),
        (write_wav(np.zeros(1000, np.int16), 8000, "pcm16")[:500], "truncated WAV: data chunk declares 2000"),
        (_wav_with((3, 1, 8000, 32000, 4, 32)), "format tag 3 (IEEE float)"),
        (_wav_with((0x55, 1, 8000, 1000, 1, 0)), "format tag 85 (MP3)"),
        (_wav_with((1, 1, 8000, 8000, 1, 8)), "bit depth 8"),
        (_wav_with((1, 3, 8000, 48000, 6, 16)), "channel count 3"),
        (_wav_with((1, 1, 8000, 16000, 2, 16), b""), "no audio samples"),
    ],
)
def test_bad_wavs_raise_a_named_error(payload: bytes, message: str) -> None:
    with pytest.raises(AudioDecodeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decode_audio(payload, "wav", 8000)


def test_raw_payload_errors() -> None:
    with pytest.raises(AudioDecodeError, match="empty"):
        decode_raw(b"", "mulaw", 8000)
    with pytest.raises(AudioDecodeError, match="odd byte count"):
        decode_raw(b"\x00\x01\x02", "pcm16", 16000)
    with pytest.raises(AudioDecodeError, match="sample rate 11025"):
        decode_raw(b"\xff" * 100, "mulaw", 11025)
    with pytest.raises(AudioDecodeError, match=r"121\.0 s long"):
        decode_raw(b"\xff" * 8000 * 121, "mulaw", 8000)
    with pytest.raises(AudioDecodeError, match="unsupported audio encoding"):
        decode_raw(b"\xff" * 100, "opus", 8000)  # type: ignore[arg-type]


def test_file_encoding_by_header_then_suffix(tmp_path: Path) -> None:
    assert file_encoding(tmp_path / "a.bin", b"RIFF") == ("wav", 0)
    assert file_encoding(tmp_path / "a.ULAW", b"\xff\xff\xff\xff") == ("mulaw", 8000)
    assert file_encoding(tmp_path / "a.al", b"\xd5\xd5\xd5\xd5") == ("alaw", 8000)
    with pytest.raises(AudioDecodeError, match=r"suffix '\.mp3'"):
        file_encoding(tmp_path / "a.mp3", b"ID3\x03")


# --- espeak-ng voice ------------------------------------------------------------------------


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (apt-get install espeak-ng)")
@pytest.mark.parametrize(
    ("text", "lang"), [("Please call me back tomorrow.", "en"), ("我明天再打给你。", "zh")]
)
def test_espeak_renders_8k_mulaw_speech(text: str, lang: Lang) -> None:
    payload = render_phone_audio(text, lang)
    seconds = len(payload) / 8000
    assert 0.8 < seconds < 6.0
    audio = decode_raw(payload, "mulaw", 8000)
    assert 0.6 < np.max(np.abs(audio)) < 0.8  # normalised to about -3 dBFS
    assert np.sqrt(np.mean(audio**2)) > 0.05  # mostly speech, not silence
