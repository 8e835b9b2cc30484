"""Per-invocation metrics as CloudWatch EMF (through powertools Metrics), and reading them back.

Each handler creates an ``InvocationMeter`` at import (so its clock times the INIT phase) and
wraps its work in ``meter.measure(...)``. On exit, even when the stage raised (the invocation
is billed anyway), one EMF blob carries duration, init duration on a cold start, memory size,
model compute, audio seconds, characters and the estimated cost. Dimensions stay
low-cardinality (service, stage, function, architecture, campaign); call, turn, contact and
request ids are metadata, searchable in the logs but never metric dimensions.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict

from outdial.billing.cost import InvocationCost, InvocationUsage, cost_invocation
from outdial.billing.prices import Architecture, PriceTable, load_price_table

# Metric names: the contract between the handlers, dashboards, and the parser below.
DURATION = "DurationMs"
INIT_DURATION = "InitDurationMs"
COLD_START = "ColdStartInvocation"  # 0/1 per invocation: its Average is the cold-start share
MEMORY_SIZE = "MemorySizeMB"
MODEL_COMPUTE = "ModelComputeMs"
AUDIO_SECONDS = "AudioSeconds"
CHARACTERS = "Characters"
ESTIMATED_COST = "EstimatedCostMicroUSD"
ERRORS = "InvocationErrors"
ID_KEYS = ("call_id", "turn_id", "contact_id", "campaign_id")


def current_architecture(environ: Mapping[str, str] | None = None) -> Architecture:
    env = os.environ if environ is None else environ
    named = env.get("OUTDIAL_ARCHITECTURE") or platform.machine()
    return "arm64" if named in ("arm64", "aarch64") else "x86_64"


def ids_from_event(event: Any) -> dict[str, str]:
    """call/turn/contact/campaign ids from a turn state or an API Gateway event."""
    if not isinstance(event, Mapping):
        return {}
    ids = {key: str(event[key]) for key in ID_KEYS if event.get(key) is not None}
    path = event.get("pathParameters")
    if isinstance(path, Mapping):
        ids.update({key: str(path[key]) for key in ID_KEYS if path.get(key) is not None and key not in ids})
    return ids


def characters_of(stage: str, event: Any, result: Mapping[str, Any] | None) -> int | None:
    """Characters where they matter: the transcript the intent model read, the reply to be voiced."""
    if stage == "reply" and result is not None and isinstance(result.get("text"), str):
        return len(result["text"])
    if stage == "intent" and isinstance(event, Mapping):
        asr = event.get("asr")
        if isinstance(asr, Mapping) and isinstance(asr.get("text"), str):
            return len(asr["text"])
    return None


@dataclass
class Invocation:
    """What the handler tells the meter about its result."""

    result: Mapping[str, Any] | None = None
    failed: bool = False
    usage: InvocationUsage | None = None
    cost: InvocationCost | None = None
    extra_metadata: dict[str, Any] = field(default_factory=dict)

    def observe(self, result: Mapping[str, Any]) -> None:
        self.result = result


class InvocationMeter:
    """Times invocations of one function; knows its cold start, memory and architecture."""

    def __init__(
        self,
        stage: str,
        prices: PriceTable | None = None,
        clock: Callable[[], float] = time.perf_counter,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stage = stage
        self._clock = clock
        self._created = clock()  # module import time: the INIT phase we can see
        self._env = os.environ if environ is None else environ
        self._prices = prices
        self._invocations = 0

    @property
    def prices(self) -> PriceTable:
        if self._prices is None:
            self._prices = load_price_table(self._env)
        return self._prices

    @contextmanager
    def measure(self, metrics: Metrics, event: Any, context: Any) -> Iterator[Invocation]:
        started = self._clock()
        self._invocations += 1
        provisioned = self._env.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "provisioned-concurrency"
        # INIT as seen from the handler module: a lower bound of the platform's figure (the
        # runtime boots before our import); reconciliation uses the REPORT record's exact one.
        init_ms = (started - self._created) * 1000 if self._invocations == 1 and not provisioned else 0.0
        invocation = Invocation()
        try:
            yield invocation
        except BaseException:
            invocation.failed = True
            raise
        finally:
            duration_ms = (self._clock() - started) * 1000
            usage = InvocationUsage(
                stage=self.stage,
                architecture=current_architecture(self._env),
                memory_mb=_memory_mb(context, self._env),
                duration_ms=duration_ms,
                init_duration_ms=init_ms,
                provisioned=provisioned,
            )
            invocation.usage = usage
            invocation.cost = cost_invocation(usage, self.prices)
            record_invocation(
                metrics,
                usage,
                invocation.cost,
                event=event,
                result=invocation.result,
                request_id=str(getattr(context, "aws_request_id", "")),
                price_table=self.prices.version,
                failed=invocation.failed,
            )


def _memory_mb(context: Any, environ: Mapping[str, str]) -> int:
    value = getattr(context, "memory_limit_in_mb", None) or environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    return int(value) if value else 128


def record_invocation(
    metrics: Metrics,
    usage: InvocationUsage,
    cost: InvocationCost,
    *,
    event: Any = None,
    result: Mapping[str, Any] | None = None,
    request_id: str = "",
    price_table: str = "",
    failed: bool = False,
) -> None:
    """Add one invocation's metrics to ``metrics``; the handler's ``log_metrics`` flushes them."""
    ids = ids_from_event(event)
    if "campaign_id" in ids:
        metrics.add_dimension(name="campaign", value=ids["campaign_id"])
    metrics.add_metric(name=DURATION, unit=MetricUnit.Milliseconds, value=usage.duration_ms)
    metrics.add_metric(name=COLD_START, unit=MetricUnit.Count, value=1 if cost.cold_start else 0)
    if cost.cold_start:
        metrics.add_metric(name=INIT_DURATION, unit=MetricUnit.Milliseconds, value=usage.init_duration_ms)
    metrics.add_metric(name=MEMORY_SIZE, unit=MetricUnit.Megabytes, value=usage.memory_mb)
    metrics.add_metric(name=ESTIMATED_COST, unit=MetricUnit.NoUnit, value=float(cost.total_usd * 1_000_000))
    metrics.add_metric(name=ERRORS, unit=MetricUnit.Count, value=1 if failed else 0)
    if result is not None and "compute_ms" in result:
        compute_ms = float(result["compute_ms"])
        metrics.add_metric(name=MODEL_COMPUTE, unit=MetricUnit.Milliseconds, value=compute_ms)
    if result is not None and "audio_ms" in result:
        audio_seconds = float(result["audio_ms"]) / 1000
        metrics.add_metric(name=AUDIO_SECONDS, unit=MetricUnit.Seconds, value=audio_seconds)
    characters = characters_of(usage.stage, event, result)
    if characters is not None:
        metrics.add_metric(name=CHARACTERS, unit=MetricUnit.Count, value=characters)
    for key, value in ids.items():
        metrics.add_metadata(key=key, value=value)
    metrics.add_metadata(key="request_id", value=request_id)
    metrics.add_metadata(key="provisioned", value=usage.provisioned)
    metrics.add_metadata(key="billed_ms_estimate", value=cost.billed_ms)
    metrics.add_metadata(key="estimated_cost_usd", value=str(cost.total_usd))  # exact, as text
    metrics.add_metadata(key="price_table", value=price_table)


# ---------------------------------------------------------------- reading EMF back


class EmfRecord(BaseModel):
    """One EMF blob: its dimensions, metric values and the rest (metadata)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    timestamp_ms: int
    namespace: str
    dimensions: dict[str, str]
    metrics: dict[str, list[float]]
    units: dict[str, str]
    metadata: dict[str, Any]

    def value(self, name: str) -> float | None:
        values = self.metrics.get(name)
        return values[0] if values else None


def parse_emf_line(line: str) -> EmfRecord | None:
    """An EMF blob from one log line; None for anything else (plain logs, REPORT lines)."""
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        blob = json.loads(text)
    except ValueError:
        return None
    aws = blob.get("_aws") if isinstance(blob, dict) else None
    if not isinstance(aws, dict) or not aws.get("CloudWatchMetrics"):
        return None
    directive = aws["CloudWatchMetrics"][0]
    names = [m["Name"] for m in directive.get("Metrics", [])]
    dimension_keys = {key for group in directive.get("Dimensions", []) for key in group}
    metrics: dict[str, list[float]] = {}
    for name in names:
        raw = blob.get(name)
        metrics[name] = [float(v) for v in raw] if isinstance(raw, list) else [float(raw)]
    return EmfRecord(
        timestamp_ms=int(aws.get("Timestamp", 0)),
        namespace=str(directive.get("Namespace", "")),
        dimensions={key: str(blob[key]) for key in dimension_keys if key in blob},
        metrics=metrics,
        units={m["Name"]: str(m.get("Unit", "None")) for m in directive.get("Metrics", [])},
        metadata={k: v for k, v in blob.items() if k != "_aws" and k not in {*names, *dimension_keys}},
    )


def parse_emf_lines(lines: Iterable[str]) -> list[EmfRecord]:
    return [record for line in lines if (record := parse_emf_line(line)) is not None]


class InvocationRecord(BaseModel):
    """One invocation as its EMF blob tells it: enough to recompute and to reconcile its cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: str
    stage: str
    function: str
    architecture: Architecture
    campaign_id: str | None
    call_id: str | None
    turn_id: str | None
    usage: InvocationUsage
    estimated_cost_usd: Decimal
    model_compute_ms: float | None
    audio_seconds: float | None
    characters: int | None
    failed: bool


def invocation_records(records: Iterable[EmfRecord]) -> list[InvocationRecord]:
    """The per-invocation blobs among ``records`` (powertools' own ColdStart blobs are skipped)."""
    found: list[InvocationRecord] = []
    for record in records:
        if ESTIMATED_COST not in record.metrics:
            continue
        stage = record.dimensions.get("stage", "")
        architecture: Architecture = "arm64" if record.dimensions.get("architecture") == "arm64" else "x86_64"
        usage = InvocationUsage(
            stage=stage,
            architecture=architecture,
            memory_mb=int(record.value(MEMORY_SIZE) or 128),
            duration_ms=record.value(DURATION) or 0.0,
            init_duration_ms=record.value(INIT_DURATION) or 0.0,
            provisioned=bool(record.metadata.get("provisioned", False)),
        )
        characters = record.value(CHARACTERS)
        found.append(
            InvocationRecord(
                request_id=str(record.metadata.get("request_id", "")),
                stage=stage,
                function=record.dimensions.get("function", ""),
                architecture=architecture,
                campaign_id=_optional(record.metadata.get("campaign_id")),
                call_id=_optional(record.metadata.get("call_id")),
                turn_id=_optional(record.metadata.get("turn_id")),
                usage=usage,
                estimated_cost_usd=Decimal(str(record.metadata.get("estimated_cost_usd", "0"))),
                model_compute_ms=record.value(MODEL_COMPUTE),
                audio_seconds=record.value(AUDIO_SECONDS),
                characters=int(characters) if characters is not None else None,
                failed=bool(record.value(ERRORS)),
            )
        )
    return found


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)
