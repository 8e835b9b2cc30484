"""`outdial cost compare`: outdial's cost per connected call-minute against managed AWS speech
services and a human agent, for a call mix (measured from a campaign, or a stated reference).

Offline: everything comes from the price table and the mix. Every assumption is listed with
the result, and every price with its source, so a reader can check or change them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from outdial.billing.cost import (
    CallCost,
    FunctionSizing,
    InvocationUsage,
    TurnUsage,
    ceil_to_step,
    cost_turn,
    exact_sum,
)
from outdial.billing.prices import PriceTable, Quantity
from outdial.errors import ConfigError

_PER_MINUTE_PLACES = Decimal("0.000001")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MixSpec(_Frozen):
    """A call mix described by its shape, for when there are no measured calls to use."""

    name: str
    source: str
    turns_per_call: Decimal = Field(gt=0)
    connected_seconds_per_call: Decimal = Field(gt=0)
    tts_characters_per_call: Decimal = Field(ge=0)
    api_request_bytes: int = Field(ge=0)
    stage_ms: dict[str, float]
    cold_start_share: Decimal = Field(ge=0, le=1)
    init_ms: dict[str, float] = Field(default_factory=dict)


class CallMix(_Frozen):
    """Per-call averages the comparison is computed from."""

    name: str
    source: str
    measured: bool
    calls: int
    turns_per_call: Decimal
    connected_seconds_per_call: Decimal
    tts_characters_per_call: Decimal
    ai_usd_per_call: Decimal  # outdial's Lambda + Step Functions + API Gateway spend per call


def reference_mix_spec() -> MixSpec:
    text = resources.files("outdial.billing").joinpath("prices", "reference-mix.json").read_text("utf-8")
    return MixSpec.model_validate_json(text)


def read_mix_spec(path: Path) -> MixSpec:
    try:
        return MixSpec.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise ConfigError(f"call mix {path}: {exc}") from exc


def mix_from_spec(spec: MixSpec, sizing: FunctionSizing, prices: PriceTable) -> CallMix:
    """Cost one average turn from the spec's stage times; cold starts at their expected share."""
    stages = [s for s in ("asr", "intent", "reply") if s in spec.stage_ms]
    workflow_ms = spec.stage_ms.get("workflow", sum(spec.stage_ms[s] for s in stages))
    invocations = [
        InvocationUsage(
            stage=stage,
            architecture=sizing.architecture,
            memory_mb=sizing.memory_mb[stage],
            duration_ms=duration_ms,
            init_duration_ms=float(spec.cold_start_share) * spec.init_ms.get(stage, 0.0),
        )
        for stage, duration_ms in [*((s, spec.stage_ms[s]) for s in stages), ("api", workflow_ms)]
    ]
    turn = cost_turn(
        TurnUsage(invocations=invocations, workflow_ms=workflow_ms, api_request_bytes=spec.api_request_bytes),
        prices,
    )
    return CallMix(
        name=spec.name,
        source=spec.source,
        measured=False,
        calls=0,
        turns_per_call=spec.turns_per_call,
        connected_seconds_per_call=spec.connected_seconds_per_call,
        tts_characters_per_call=spec.tts_characters_per_call,
        ai_usd_per_call=turn.total_usd * spec.turns_per_call,
    )


def mix_from_calls(name: str, calls: Sequence[CallCost]) -> CallMix:
    """Averages of measured, costed calls (only those that connected: the per-minute basis)."""
    connected = [c for c in calls if c.connected_seconds > 0]
    if not connected:
        raise ConfigError(f"{name}: no connected calls to measure a mix from")
    n = Decimal(len(connected))
    return CallMix(
        name=name,
        source=f"measured: {len(connected)} connected calls",
        measured=True,
        calls=len(connected),
        turns_per_call=Decimal(sum(len(c.turns) for c in connected)) / n,
        connected_seconds_per_call=exact_sum(c.connected_seconds for c in connected) / n,
        tts_characters_per_call=Decimal(sum(c.tts_characters for c in connected)) / n,
        ai_usd_per_call=exact_sum(c.turns_usd for c in connected) / n,
    )


class ComparisonRow(_Frozen):
    option: str
    speech_and_logic_usd_per_minute: Decimal  # everything but the phone line
    telephony_usd_per_minute: Decimal
    total_usd_per_minute: Decimal
    how: str


class Comparison(_Frozen):
    mix: CallMix
    rows: list[ComparisonRow]
    assumptions: list[str]
    sources: list[tuple[str, Quantity]]
    price_table: str


def _per_minute(amount_per_call: Decimal, seconds_per_call: Decimal) -> Decimal:
    return (amount_per_call * 60 / seconds_per_call).quantize(_PER_MINUTE_PLACES, rounding=ROUND_HALF_EVEN)


def compare(
    mix: CallMix,
    prices: PriceTable,
    agent_hourly: Decimal | None = None,
    agent_occupancy: Decimal | None = None,
) -> Comparison:
    seconds = mix.connected_seconds_per_call
    minutes = seconds / 60
    phone = prices.telephony
    billed_phone_seconds = ceil_to_step(seconds, phone.billing_increment_seconds.value)
    telephony_per_call = billed_phone_seconds * phone.per_minute.value / 60
    telephony_pm = _per_minute(telephony_per_call, seconds)
    tts_per_call = mix.tts_characters_per_call * prices.tts.per_million_characters.value / 1_000_000

    outdial_pm = _per_minute(mix.ai_usd_per_call + tts_per_call, seconds)

    managed = prices.managed
    transcribe_seconds = max(seconds, managed.transcribe_minimum_seconds.value)
    transcribe = transcribe_seconds / 60 * managed.transcribe_streaming_per_minute.value
    lex = mix.turns_per_call * managed.lex_text_request.value
    polly = mix.tts_characters_per_call * managed.polly_neural_per_million_characters.value / 1_000_000
    managed_pm = _per_minute(transcribe + lex + polly, seconds)

    hourly = agent_hourly if agent_hourly is not None else prices.human_agent.hourly.value
    occupancy = agent_occupancy if agent_occupancy is not None else prices.human_agent.occupancy.value
    if occupancy <= 0 or occupancy > 1:
        raise ConfigError(f"agent occupancy must be in (0, 1], got {occupancy}")
    human_pm = (hourly / 60 / occupancy).quantize(_PER_MINUTE_PLACES, rounding=ROUND_HALF_EVEN)

    rows = [
        ComparisonRow(
            option="outdial (Lambda INT8 models)",
            speech_and_logic_usd_per_minute=outdial_pm,
            telephony_usd_per_minute=telephony_pm,
            total_usd_per_minute=outdial_pm + telephony_pm,
            how=f"{mix.ai_usd_per_call:.8f} USD Lambda+Step Functions+API Gateway per call, "
            f"+ TTS {mix.tts_characters_per_call:.0f} characters, over {minutes:.2f} min",
        ),
        ComparisonRow(
            option="managed AWS (Transcribe + Lex + Polly)",
            speech_and_logic_usd_per_minute=managed_pm,
            telephony_usd_per_minute=telephony_pm,
            total_usd_per_minute=managed_pm + telephony_pm,
            how=f"Transcribe streaming {transcribe_seconds:.0f} s + {mix.turns_per_call:.2f} Lex text "
            f"requests + Polly neural {mix.tts_characters_per_call:.0f} characters per call",
        ),
        ComparisonRow(
            option="human agent",
            speech_and_logic_usd_per_minute=human_pm,
            telephony_usd_per_minute=telephony_pm,
            total_usd_per_minute=human_pm + telephony_pm,
            how=f"{hourly} USD per paid hour / 60 / {occupancy} occupancy",
        ),
    ]
    assumptions = [
        f"Call mix: {mix.name} — {mix.source}; {mix.turns_per_call:.2f} turns and "
        f"{seconds:.1f} connected seconds per call.",
        "Per connected call-minute; unanswered dials are not in the denominator for any option.",
        "Telephony is the same carrier rate for all three options "
        f"({phone.per_minute.value} USD/min, {phone.billing_increment_seconds.value} s increments).",
        "Managed AWS: Transcribe streams the caller channel for the whole connected time; one Lex V2 "
        "text request per turn does intent; Polly neural voices the same replies. The glue those need "
        "(Lambda, orchestration) is not counted, which favours the managed option.",
        "outdial: the measured or mixed Lambda, Step Functions Express and API Gateway HTTP API spend, "
        "plus the TTS characters at the table's TTS price; cold starts are included at their share.",
        f"Human agent: {hourly} USD per paid hour at {occupancy} occupancy (talk time / paid time); "
        "no supervision, training or facilities.",
        "List prices, first usage tier, no free tier, no Savings Plans; CloudWatch logs and metrics "
        "ingestion are not counted for any option.",
    ]
    used = ("lambda.", "step_functions_express.", "api_gateway_http.", "telephony.", "tts.", "managed.")
    sources = [
        (path, quantity)
        for path, quantity in prices.entries()
        if path.startswith(used) or path.startswith("human_agent.")
    ]
    return Comparison(
        mix=mix, rows=rows, assumptions=assumptions, sources=sources, price_table=prices.version
    )
