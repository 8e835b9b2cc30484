"""Pure cost arithmetic: invocation -> turn -> call -> campaign, exact in ``Decimal``.

Why Decimal and not integer micro-dollars: one Lambda invocation costs about 0.1-5 µ$, so
rounding each to a micro-dollar would misstate the compute bill by tens of percent. Every
line item here is an exact decimal (prices have at most 10 places; memory/1024 is a finite
binary fraction), sums run in a context that raises on any rounding, so every total equals the
sum of its parts exactly — and therefore to the micro-dollar. The only divisions (telephony
seconds into minutes) are quantised once, at the line item, to ``LINE_ITEM_QUANTUM``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Context, Decimal, Inexact, Rounded, localcontext
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from outdial.billing.prices import Architecture, PriceTable

MICRO = Decimal("0.000001")
LINE_ITEM_QUANTUM = Decimal("1e-12")  # where a line item needs a division, it is rounded here, once
_EXACT = Context(prec=80, traps=[Inexact, Rounded])
_MB_PER_GB = 1024
_MS_PER_S = 1000

Component = Literal[
    "lambda.asr", "lambda.intent", "lambda.reply", "lambda.api", "lambda.other",
    "step_functions", "api_gateway", "telephony", "tts",
]  # fmt: skip
COMPONENTS: tuple[Component, ...] = (
    "lambda.asr", "lambda.intent", "lambda.reply", "lambda.api", "lambda.other",
    "step_functions", "api_gateway", "telephony", "tts",
)  # fmt: skip
_LAMBDA_STAGES = {"asr", "intent", "reply", "api"}


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """Sum that raises instead of rounding: the guarantee behind 'totals equal their parts'."""
    with localcontext(_EXACT):
        total = Decimal(0)
        for value in values:
            total += value
        return total


def _mul(*factors: Decimal) -> Decimal:
    with localcontext(_EXACT):
        product = Decimal(1)
        for factor in factors:
            product *= factor
        return product


def to_micro_usd(amount: Decimal) -> int:
    """Integer micro-dollars, half-even: for display and metrics, never for further sums."""
    return int((amount / MICRO).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def usd(amount: Decimal, places: int = 6) -> str:
    return f"${amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)}"


def ceil_to_step(amount: Decimal, step: Decimal) -> Decimal:
    """``amount`` rounded up to a whole number of ``step``s (billing increments)."""
    if amount <= 0:
        return Decimal(0)
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- invocations


class InvocationUsage(_Frozen):
    """What one Lambda invocation used, as measured by the handler (or read from REPORT)."""

    stage: str
    architecture: Architecture = "x86_64"
    memory_mb: int = Field(ge=128, le=10240)
    duration_ms: float = Field(ge=0)
    init_duration_ms: float = Field(default=0, ge=0)  # > 0 only on an on-demand cold start
    provisioned: bool = False  # served by provisioned concurrency (its own duration price)
    billed_duration_ms: int | None = Field(default=None, ge=0)  # exact, from the REPORT record


class InvocationCost(_Frozen):
    stage: str
    architecture: Architecture
    memory_mb: int
    provisioned: bool
    cold_start: bool
    billed_ms: int  # includes INIT on an on-demand cold start (billed since 2025-08-01)
    init_billed_ms: int
    exact: bool  # billed_ms came from the platform REPORT record, not an estimate
    duration_usd: Decimal
    request_usd: Decimal
    total_usd: Decimal


def cost_invocation(usage: InvocationUsage, prices: PriceTable) -> InvocationCost:
    """GB-seconds × the architecture's price + the request price.

    An on-demand cold start bills INIT and INVOKE together, rounded up to 1 ms as one figure;
    on provisioned concurrency INIT is paid by the standing charge, not by the invocation.
    """
    arch = prices.lambda_.for_architecture(usage.architecture)
    init_ms = 0.0 if usage.provisioned else usage.init_duration_ms
    step = prices.lambda_.duration_step_ms.value
    if usage.billed_duration_ms is not None:
        billed_ms = Decimal(usage.billed_duration_ms)
    else:
        billed_ms = ceil_to_step(Decimal(repr(usage.duration_ms + init_ms)), step)
    init_billed = min(billed_ms, ceil_to_step(Decimal(repr(init_ms)), step))
    rate = arch.provisioned_duration_gb_second if usage.provisioned else arch.duration_gb_second
    gb = Decimal(usage.memory_mb) / _MB_PER_GB  # exact: 1024 is a power of two
    duration_usd = _mul(billed_ms / _MS_PER_S, gb, rate.value)
    request_usd = arch.request.value
    return InvocationCost(
        stage=usage.stage,
        architecture=usage.architecture,
        memory_mb=usage.memory_mb,
        provisioned=usage.provisioned,
        cold_start=init_ms > 0,
        billed_ms=int(billed_ms),
        init_billed_ms=int(init_billed),
        exact=usage.billed_duration_ms is not None,
        duration_usd=duration_usd,
        request_usd=request_usd,
        total_usd=exact_sum([duration_usd, request_usd]),
    )


def provisioned_concurrency_standing_usd(
    memory_mb: int, concurrency: int, seconds: int, architecture: Architecture, prices: PriceTable
) -> Decimal:
    """The charge for keeping ``concurrency`` environments provisioned (5-minute rounding)."""
    billed_seconds = ceil_to_step(Decimal(seconds), Decimal(300))
    rate = prices.lambda_.for_architecture(architecture).provisioned_concurrency_gb_second.value
    return _mul(Decimal(memory_mb) / _MB_PER_GB, Decimal(concurrency), billed_seconds, rate)


# ---------------------------------------------------------------- turns


class TurnUsage(_Frozen):
    """Everything one call turn consumed on AWS."""

    invocations: list[InvocationUsage]
    workflow_ms: float = Field(ge=0)  # the Express execution's duration
    workflow_memory_mb: int | None = Field(default=None, ge=1)  # None: the table's assumed footprint
    api_request_bytes: int | None = Field(default=None, ge=0)  # None: not through API Gateway


class TurnCost(_Frozen):
    invocations: list[InvocationCost]
    lambda_usd: Decimal
    workflow_billed_ms: int
    workflow_billed_mb: int
    workflow_usd: Decimal  # request + GB-seconds
    api_gateway_requests: int
    api_gateway_usd: Decimal
    total_usd: Decimal

    def by_component(self) -> dict[Component, Decimal]:
        parts: dict[Component, Decimal] = {}
        for invocation in self.invocations:
            key = lambda_component(invocation.stage)
            parts[key] = exact_sum([parts.get(key, Decimal(0)), invocation.total_usd])
        parts["step_functions"] = self.workflow_usd
        parts["api_gateway"] = self.api_gateway_usd
        return parts


def lambda_component(stage: str) -> Component:
    return f"lambda.{stage}" if stage in _LAMBDA_STAGES else "lambda.other"  # type: ignore[return-value]


def cost_turn(usage: TurnUsage, prices: PriceTable) -> TurnCost:
    """Lambda invocations + one Express execution (64 MB / 100 ms steps) + the API request."""
    invocations = [cost_invocation(u, prices) for u in usage.invocations]
    lambda_usd = exact_sum(i.total_usd for i in invocations)
    sfn = prices.step_functions_express
    memory_mb = Decimal(usage.workflow_memory_mb) if usage.workflow_memory_mb else sfn.assumed_memory_mb.value
    billed_mb = ceil_to_step(memory_mb, sfn.memory_step_mb.value)
    billed_ms = ceil_to_step(Decimal(repr(usage.workflow_ms)), sfn.duration_step_ms.value)
    workflow_usd = exact_sum(
        [sfn.request.value, _mul(billed_ms / _MS_PER_S, billed_mb / _MB_PER_GB, sfn.duration_gb_second.value)]
    )
    api = prices.api_gateway_http
    if usage.api_request_bytes is None:
        requests = 0
    else:  # every started 512 KB is metered as one request
        requests = max(1, math.ceil(usage.api_request_bytes / (int(api.request_step_kb.value) * 1024)))
    api_usd = _mul(Decimal(requests), api.request.value)
    return TurnCost(
        invocations=invocations,
        lambda_usd=lambda_usd,
        workflow_billed_ms=int(billed_ms),
        workflow_billed_mb=int(billed_mb),
        workflow_usd=workflow_usd,
        api_gateway_requests=requests,
        api_gateway_usd=api_usd,
        total_usd=exact_sum([lambda_usd, workflow_usd, api_usd]),
    )


class FunctionSizing(_Frozen):
    """Memory and architecture of the deployed functions, for estimates made off-Lambda
    (local mode, the demo, take_turn). Keep in step with the template's MemorySize."""

    architecture: Architecture = "x86_64"
    memory_mb: dict[str, int] = Field(
        default_factory=lambda: {"asr": 3008, "intent": 1024, "reply": 1024, "api": 512}
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FunctionSizing:
        """``OUTDIAL_ARCHITECTURE`` and ``OUTDIAL_<STAGE>_MEMORY_MB`` override the defaults."""
        env = os.environ if environ is None else environ
        default = cls()
        memory = {
            stage: int(env.get(f"OUTDIAL_{stage.upper()}_MEMORY_MB", mb))
            for stage, mb in default.memory_mb.items()
        }
        arch = env.get("OUTDIAL_ARCHITECTURE", default.architecture)
        return cls(architecture="arm64" if arch == "arm64" else "x86_64", memory_mb=memory)


def turn_usage_from_timings(
    timings_ms: Mapping[str, float],
    sizing: FunctionSizing,
    api_request_bytes: int | None = None,
) -> TurnUsage:
    """Estimate a turn's usage from a TurnRecord's ``timings_ms``.

    Each stage that ran is one invocation billed for its measured compute time; ``workflow`` is
    the Express duration; through API Gateway, the API function is billed for the whole
    synchronous execution it waits on. Cold starts are unknown here: reconciliation with the
    REPORT records (billing/reconcile.py) corrects them on AWS.
    """
    invocations = [
        InvocationUsage(
            stage=stage,
            architecture=sizing.architecture,
            memory_mb=sizing.memory_mb[stage],
            duration_ms=float(timings_ms[stage]),
        )
        for stage in ("asr", "intent", "reply")
        if stage in timings_ms
    ]
    workflow_ms = float(timings_ms.get("workflow", sum(i.duration_ms for i in invocations)))
    if api_request_bytes is not None:
        invocations.append(
            InvocationUsage(
                stage="api",
                architecture=sizing.architecture,
                memory_mb=sizing.memory_mb["api"],
                duration_ms=workflow_ms,
            )
        )
    return TurnUsage(invocations=invocations, workflow_ms=workflow_ms, api_request_bytes=api_request_bytes)


# ---------------------------------------------------------------- calls


class CallCost(_Frozen):
    call_id: str
    campaign_id: str
    outcome: str
    turns: list[TurnCost]
    turns_usd: Decimal
    connected_seconds: Decimal
    telephony_billed_seconds: int
    telephony_usd: Decimal
    tts_characters: int
    tts_usd: Decimal
    total_usd: Decimal

    def by_component(self) -> dict[Component, Decimal]:
        parts: dict[Component, Decimal] = {}
        for turn in self.turns:
            for key, value in turn.by_component().items():
                parts[key] = exact_sum([parts.get(key, Decimal(0)), value])
        parts["telephony"] = self.telephony_usd
        parts["tts"] = self.tts_usd
        return parts


def cost_call(
    call_id: str,
    campaign_id: str,
    outcome: str,
    turns: Sequence[TurnCost],
    connected_seconds: Decimal | float,
    tts_characters: int,
    prices: PriceTable,
) -> CallCost:
    """The call's turns + telephony (billed in the carrier's increment) + TTS characters."""
    phone = prices.telephony
    seconds = Decimal(repr(connected_seconds)) if isinstance(connected_seconds, float) else connected_seconds
    billed_seconds = ceil_to_step(seconds, phone.billing_increment_seconds.value)
    telephony_usd = (billed_seconds * phone.per_minute.value / 60).quantize(
        LINE_ITEM_QUANTUM, rounding=ROUND_HALF_EVEN
    )
    tts_usd = _mul(Decimal(tts_characters), prices.tts.per_million_characters.value) / Decimal(1_000_000)
    turns_usd = exact_sum(t.total_usd for t in turns)
    return CallCost(
        call_id=call_id,
        campaign_id=campaign_id,
        outcome=outcome,
        turns=list(turns),
        turns_usd=turns_usd,
        connected_seconds=seconds,
        telephony_billed_seconds=int(billed_seconds),
        telephony_usd=telephony_usd,
        tts_characters=tts_characters,
        tts_usd=tts_usd,
        total_usd=exact_sum([turns_usd, telephony_usd, tts_usd]),
    )


def estimate_connected_seconds(
    bot_text: Iterable[str],
    caller_text: Iterable[str],
    turns: int,
    lang: str,
    prices: PriceTable,
    processing_ms: float = 0.0,
) -> Decimal:
    """Connected time from what was said, at the table's speaking rates (demo / local mode only:
    on a real line the carrier's connected seconds are the figure to use)."""
    rate = (
        prices.speech.zh_characters_per_second.value
        if lang == "zh"
        else prices.speech.en_characters_per_second.value
    )
    characters = sum(len(t) for t in bot_text) + sum(len(t) for t in caller_text)
    spoken = Decimal(characters) / rate
    gaps = Decimal(turns) * prices.speech.turn_gap_seconds.value
    return (spoken + gaps + Decimal(repr(processing_ms)) / _MS_PER_S).quantize(Decimal("0.001"))


# ---------------------------------------------------------------- campaigns


class CampaignCost(_Frozen):
    campaign_id: str
    calls: int
    total_usd: Decimal
    by_component: dict[str, Decimal]
    outcomes: dict[str, int]
    success_outcomes: list[str]
    successes: int
    cpa_usd: Decimal | None  # cost per successful outcome, to the micro-dollar; None: no success yet
    cost_per_call_usd: Decimal | None
    call_totals: dict[str, Decimal]


def campaign_cost(
    campaign_id: str, calls: Sequence[CallCost], success_outcomes: Iterable[str]
) -> CampaignCost:
    """Sum of the calls; CPA = everything spent / outcomes that count as success (campaign config)."""
    successes_set = sorted(set(success_outcomes))
    total = exact_sum(c.total_usd for c in calls)
    components: dict[str, Decimal] = {}
    outcomes: dict[str, int] = {}
    for call in calls:
        for key, value in call.by_component().items():
            components[key] = exact_sum([components.get(key, Decimal(0)), value])
        outcomes[call.outcome] = outcomes.get(call.outcome, 0) + 1
    successes = sum(n for outcome, n in outcomes.items() if outcome in successes_set)
    return CampaignCost(
        campaign_id=campaign_id,
        calls=len(calls),
        total_usd=total,
        by_component={k: components[k] for k in COMPONENTS if k in components},
        outcomes=dict(sorted(outcomes.items())),
        success_outcomes=successes_set,
        successes=successes,
        cpa_usd=(total / successes).quantize(MICRO, rounding=ROUND_HALF_EVEN) if successes else None,
        cost_per_call_usd=(total / len(calls)).quantize(MICRO, rounding=ROUND_HALF_EVEN) if calls else None,
        call_totals={c.call_id: c.total_usd for c in calls},
    )
