"""The simulated callee's voice: text -> 8 kHz μ-law phone audio.

espeak-ng renders any line when it is installed; otherwise committed fixture clips
(rendered by the same code, keyed by language and text) stand in.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from outdial.errors import OutdialError
from outdial.models import AudioEncoding, Lang

SILENCE_SECONDS = 1.5
MULAW_SILENCE = b"\xff"  # G.711 μ-law code for zero amplitude


class VoiceUnavailableError(OutdialError):
    """Neither espeak-ng nor a fixture clip can voice this line."""


def fixture_name(text: str, lang: Lang) -> str:
    return hashlib.sha1(f"{lang}:{text}".encode()).hexdigest()[:16] + ".ulaw"


class CalleeVoice:
    def __init__(self, fixtures: Path) -> None:
        from outdial.audio.tts import espeak_available

        self._fixtures = fixtures
        self._espeak = espeak_available()

    @property
    def engine(self) -> str:
        return "espeak-ng" if self._espeak else f"fixture clips ({self._fixtures})"

    def render(self, text: str, lang: Lang) -> tuple[bytes, AudioEncoding]:
        if not text:
            return MULAW_SILENCE * int(8000 * SILENCE_SECONDS), "mulaw"
        if self._espeak:
            from outdial.audio.tts import render_phone_audio

            return render_phone_audio(text, lang), "mulaw"
        clip = self._fixtures / fixture_name(text, lang)
        if not clip.is_file():
            raise VoiceUnavailableError(
                f"no espeak-ng and no fixture clip for {text!r}; install espeak-ng "
                f"(apt-get install espeak-ng) or run `outdial demo --write-fixtures`"
            )
        return clip.read_bytes(), "mulaw"

    def write_fixture(self, text: str, lang: Lang) -> Path:
        from outdial.audio.tts import render_phone_audio

        self._fixtures.mkdir(parents=True, exist_ok=True)
        path = self._fixtures / fixture_name(text, lang)
        path.write_bytes(render_phone_audio(text, lang))
        return path
