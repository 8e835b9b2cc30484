"""Model compute per call turn for ~3 s of 8 kHz μ-law speech: VAD + ASR + intent + reply.

The budget from the design is p95 ≤ 500 ms on a 2-core machine (long-term goal 300 ms).
Each stage runs in-process exactly as its Lambda handler runs it (same stage objects).
"""

from __future__ import annotations

import base64
import statistics
import sys
import time
from typing import Any

from outdial.audio.tts import render_phone_audio
from outdial.config import get_settings
from outdial.wiring import LocalStages

UTTERANCES = [
    ("zh", "zh-loan-reminder", "disclose", "我这个月手头有点紧，下周五再还三千行不行"),
    ("zh", "zh-loan-reminder", "greet", "嗯，是我本人，请问你们是哪里"),
    ("en", "en-insurance-renewal", "disclose", "how much would the renewal cost me per year"),
    ("en", "en-insurance-renewal", "greet", "yes this is her, who am I speaking with please"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(rounds: int = 10) -> list[dict[str, Any]]:
    settings = get_settings()
    stages = LocalStages(settings, objects=None)  # type: ignore[arg-type]  # inline audio needs no store
    started = time.perf_counter()
    asr, intent, reply = stages.asr, stages.intent, stages.reply
    init_s = time.perf_counter() - started
    rows: list[dict[str, Any]] = []
    for lang, script_id, node, text in UTTERANCES:
        audio = render_phone_audio(text, lang)  # type: ignore[arg-type]
        event: dict[str, Any] = {
            "call_id": "bench",
            "turn_id": "bench-0",
            "turn_index": 0,
            "campaign_id": "bench",
            "script_id": script_id,
            "node_id": node,
            "lang": lang,
            "audio": {"encoding": "mulaw", "sample_rate": 8000, "b64": base64.b64encode(audio).decode()},
            "context": {
                "name": "王先生",
                "lender": "安心借",
                "amount": "3000",
                "due_date": "11月30日",
                "insurer": "Harbor Mutual",
                "premium": "842",
                "expiry_date": "December 15",
            },
        }
        totals: list[float] = []
        per_stage: dict[str, list[float]] = {"asr": [], "intent": [], "reply": []}
        heard = ""
        for _ in range(rounds):
            t0 = time.perf_counter()
            event["asr"] = asr.handle(event)
            t1 = time.perf_counter()
            event["nlu"] = intent.handle(event)
            t2 = time.perf_counter()
            reply.handle(event)
            t3 = time.perf_counter()
            per_stage["asr"].append((t1 - t0) * 1000)
            per_stage["intent"].append((t2 - t1) * 1000)
            per_stage["reply"].append((t3 - t2) * 1000)
            totals.append((t3 - t0) * 1000)
            heard = event["asr"]["text"]
            del event["asr"], event["nlu"]
        rows.append(
            {
                "lang": lang,
                "audio_s": len(audio) / 8000,
                "heard": heard,
                "asr_p50": statistics.median(per_stage["asr"]),
                "intent_p50": statistics.median(per_stage["intent"]),
                "reply_p50": statistics.median(per_stage["reply"]),
                "total_p50": statistics.median(totals),
                "total_p95": percentile(totals, 0.95),
            }
        )
    print(
        f"\n### Model compute per turn (VAD + ASR + intent + reply), {rounds} rounds each; "
        f"init {init_s:.2f} s\n"
    )
    print(
        "| lang | audio s | ASR p50 ms | intent p50 ms | reply p50 ms | total p50 ms | total p95 ms | heard |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['lang']} | {row['audio_s']:.1f} | {row['asr_p50']:.0f} | {row['intent_p50']:.1f} | "
            f"{row['reply_p50']:.1f} | {row['total_p50']:.0f} | {row['total_p95']:.0f} | {row['heard']} |"
        )
    every = [r["total_p95"] for r in rows]
    print(f"\nworst p95 across utterances: {max(every):.0f} ms (budget 500 ms, goal 300 ms)")
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
