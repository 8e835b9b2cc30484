"""Render the ASR evaluation clips (and the committed fixture clips) with espeak-ng.

    python bench/render_clips.py [--out build/bench/asr_clips]     # evaluation set, >= 30 per language
    python bench/render_clips.py --fixtures                         # rewrite events/audio/

Every clip is 8 kHz G.711 μ-law in a WAV container, as a phone line would deliver it, with
a little silence around the speech (so VAD has something to trim).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from outdial.audio.codecs import write_wav
from outdial.audio.tts import render_phone_audio
from outdial.models import Lang

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "bench" / "data" / "asr_prompts.json"
DEFAULT_OUT = ROOT / "build" / "bench" / "asr_clips"
FIXTURES = ROOT / "events" / "audio"
MULAW_SILENCE = b"\xff"
LEAD_SECONDS, TRAIL_SECONDS = 0.4, 0.3

# The committed fixtures: short and not in the evaluation set, so tests do not tune the benchmark.
FIXTURE_LINES: list[tuple[str, Lang, str]] = [
    ("en_paid", "en", "I already paid it yesterday."),
    ("en_callback", "en", "I'm busy right now, please call me back tomorrow."),
    ("en_price", "en", "How much is the monthly payment?"),
    ("en_digits", "en", "My account number is one two three, one two three."),
    ("zh_paid", "zh", "我昨天已经还款了。"),
    ("zh_busy", "zh", "我现在很忙，明天再打给我吧。"),
    ("zh_price", "zh", "每个月要还多少钱？"),
]


def phone_clip(text: str, lang: Lang) -> bytes:
    """A μ-law 8 kHz WAV of ``text`` with leading and trailing line silence."""
    speech = render_phone_audio(text, lang)
    lead, trail = MULAW_SILENCE * int(8000 * LEAD_SECONDS), MULAW_SILENCE * int(8000 * TRAIL_SECONDS)
    return write_wav(lead + speech + trail, 8000, "mulaw")


def render_eval_set(out_dir: Path) -> Path:
    prompts: dict[str, list[str]] = json.loads(PROMPTS.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    index = []
    for lang_key, lines in prompts.items():
        lang: Lang = "zh" if lang_key == "zh" else "en"
        for number, text in enumerate(lines):
            name = f"{lang}_{number:02d}.wav"
            (out_dir / name).write_bytes(phone_clip(text, lang))
            index.append({"file": name, "lang": lang, "text": text})
    (out_dir / "clips.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"rendered {len(index)} clips into {out_dir}", file=sys.stderr)
    return out_dir


def render_fixtures(out_dir: Path = FIXTURES) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    index: list[dict[str, str | None]] = []
    for name, lang, text in FIXTURE_LINES:
        clip = phone_clip(text, lang)
        (out_dir / f"{name}.wav").write_bytes(clip)
        index.append({"file": f"{name}.wav", "lang": lang, "text": text})
    # One clip of line noise only: the no-speech path.
    rng = np.random.default_rng(7)
    hiss = np.clip(rng.standard_normal(8000 * 2) * 40, -32768, 32767).astype(np.int16)
    from outdial.audio.codecs import pcm16_to_mulaw

    (out_dir / "silence.wav").write_bytes(write_wav(pcm16_to_mulaw(hiss), 8000, "mulaw"))
    index.append({"file": "silence.wav", "lang": None, "text": ""})
    (out_dir / "clips.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(index)} fixture clips into {out_dir}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--fixtures", action="store_true", help="rewrite the committed clips in events/audio")
    args = parser.parse_args(argv)
    if args.fixtures:
        render_fixtures()
    else:
        render_eval_set(args.out)


if __name__ == "__main__":
    main()
