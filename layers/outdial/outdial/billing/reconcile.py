"""Exact billing from the platform REPORT record, reconciled with the handlers' estimates.

Only Lambda's REPORT record knows the billed duration. It reaches us two ways, both parsed
here: the JSON log format's ``platform.report`` record, and the classic text ``REPORT
RequestId: ...`` line; either arrives through a CloudWatch Logs subscription (gzip + base64).
The REPORT record has a request id but no call id, so the handler's EMF blob of the same
invocation (which has both) joins them.

INIT billing: since 2025-08-01, on-demand ZIP functions on managed runtimes are billed for the
INIT phase like every other configuration; ``billedDurationMs`` of a cold start then includes
it. Before that date the INIT of those functions was free: a cold start whose billed duration
is below ``initDurationMs + durationMs`` shows that older behaviour (``init_billed=False``).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from outdial.billing.cost import InvocationUsage, cost_invocation, exact_sum
from outdial.billing.emf import InvocationRecord
from outdial.billing.prices import Architecture, PriceTable
from outdial.errors import InvalidEventError

INIT_BILLING_NOTE = (
    "Since 2025-08-01 Lambda bills the INIT phase of on-demand ZIP functions on managed runtimes "
    "(it always did for provisioned concurrency, container images and custom runtimes): a cold "
    "start's billedDurationMs includes initDurationMs."
)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BilledInvocation(_Frozen):
    """One platform REPORT record."""

    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int | None = None
    init_duration_ms: float | None = None
    status: str = "success"
    log_group: str | None = None

    @property
    def init_billed(self) -> bool:
        """Whether the billed duration covers INIT (always true for warm invocations)."""
        if not self.init_duration_ms:
            return True
        return self.billed_duration_ms + 1 >= self.duration_ms + self.init_duration_ms


class _ReportMetrics(BaseModel):
    model_config = ConfigDict(extra="ignore")
    # AWS's own field names, kept as-is so the record validates without aliases
    durationMs: float = Field(ge=0)
    billedDurationMs: int = Field(ge=0)
    memorySizeMB: int = Field(ge=1)
    maxMemoryUsedMB: int | None = None
    initDurationMs: float | None = None


class _ReportRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")
    requestId: str
    metrics: _ReportMetrics
    status: str = "success"


def parse_platform_report(entry: Mapping[str, Any], log_group: str | None = None) -> BilledInvocation | None:
    """A JSON-format ``{"type": "platform.report", "record": {...}}`` entry; None for other types."""
    if entry.get("type") != "platform.report":
        return None
    try:
        record = _ReportRecord.model_validate(entry.get("record"))
    except ValidationError as exc:
        raise InvalidEventError(f"malformed platform.report record: {exc}") from exc
    m = record.metrics
    return BilledInvocation(
        request_id=record.requestId,
        duration_ms=m.durationMs,
        billed_duration_ms=m.billedDurationMs,
        memory_size_mb=m.memorySizeMB,
        max_memory_used_mb=m.maxMemoryUsedMB,
        init_duration_ms=m.initDurationMs,
        status=record.status,
        log_group=log_group,
    )


_TEXT_REPORT = re.compile(
    r"^REPORT RequestId: (?P<request_id>\S+)\s+Duration: (?P<duration>[\d.]+) ms\s+"
    r"Billed Duration: (?P<billed>\d+) ms\s+Memory Size: (?P<memory>\d+) MB\s+"
    r"Max Memory Used: (?P<max_memory>\d+) MB(?:\s+Init Duration: (?P<init>[\d.]+) ms)?"
)


def parse_text_report(line: str, log_group: str | None = None) -> BilledInvocation | None:
    """The classic text-format ``REPORT RequestId: ...`` line; None for any other line."""
    match = _TEXT_REPORT.match(line.strip())
    if match is None:
        return None
    return BilledInvocation(
        request_id=match["request_id"],
        duration_ms=float(match["duration"]),
        billed_duration_ms=int(match["billed"]),
        memory_size_mb=int(match["memory"]),
        max_memory_used_mb=int(match["max_memory"]),
        init_duration_ms=float(match["init"]) if match["init"] else None,
        log_group=log_group,
    )


def parse_report_message(message: str, log_group: str | None = None) -> BilledInvocation | None:
    """A REPORT record in either log format; None for any other message."""
    text = message.strip()
    if text.startswith("{"):
        try:
            entry = json.loads(text)
        except ValueError:
            return None
        return parse_platform_report(entry, log_group) if isinstance(entry, dict) else None
    return parse_text_report(text, log_group)


class LogEvent(_Frozen):
    id: str
    timestamp: int
    message: str


class SubscriptionPayload(_Frozen):
    """The decoded body of a CloudWatch Logs subscription delivery."""

    messageType: Literal["DATA_MESSAGE", "CONTROL_MESSAGE"]
    owner: str = ""
    logGroup: str = ""
    logStream: str = ""
    subscriptionFilters: list[str] = Field(default_factory=list)
    logEvents: list[LogEvent] = Field(default_factory=list)


def decode_subscription(event: Mapping[str, Any]) -> SubscriptionPayload:
    """``{"awslogs": {"data": base64(gzip(json))}}`` -> the payload."""
    try:
        data = event["awslogs"]["data"]
        raw = gzip.decompress(base64.b64decode(data, validate=True))
        return SubscriptionPayload.model_validate_json(raw)
    except (KeyError, TypeError, ValueError, OSError) as exc:  # binascii/gzip/pydantic errors included
        raise InvalidEventError(f"not a CloudWatch Logs subscription payload: {exc}") from exc


def encode_subscription(payload: SubscriptionPayload) -> dict[str, Any]:
    """The inverse of ``decode_subscription`` (for tests and replaying saved logs)."""
    raw = gzip.compress(payload.model_dump_json().encode("utf-8"))
    return {"awslogs": {"data": base64.b64encode(raw).decode("ascii")}}


def billed_invocations(payload: SubscriptionPayload) -> list[BilledInvocation]:
    found = [parse_report_message(e.message, payload.logGroup) for e in payload.logEvents]
    return [b for b in found if b is not None]


# ---------------------------------------------------------------- reconciliation


def billed_cost_usd(
    billed: BilledInvocation, architecture: Architecture, provisioned: bool, stage: str, prices: PriceTable
) -> Decimal:
    """The exact charge of one REPORT record: billedDurationMs at its memory, plus the request."""
    usage = InvocationUsage(
        stage=stage,
        architecture=architecture,
        memory_mb=billed.memory_size_mb,
        duration_ms=billed.duration_ms,
        init_duration_ms=billed.init_duration_ms or 0.0,
        provisioned=provisioned,
        billed_duration_ms=billed.billed_duration_ms,
    )
    return cost_invocation(usage, prices).total_usd


class CallReconciliation(_Frozen):
    call_id: str
    invocations: int
    estimated_usd: Decimal
    billed_usd: Decimal
    difference_usd: Decimal  # billed - estimated
    cold_starts: int
    init_billed_ms: int


class Reconciliation(_Frozen):
    calls: list[CallReconciliation]
    unmatched_reports: list[BilledInvocation]  # REPORTs whose EMF blob we have not seen (yet)
    unmatched_estimates: list[str]  # request ids estimated but without a REPORT (yet)
    note: str = INIT_BILLING_NOTE

    @property
    def estimated_usd(self) -> Decimal:
        return exact_sum(c.estimated_usd for c in self.calls)

    @property
    def billed_usd(self) -> Decimal:
        return exact_sum(c.billed_usd for c in self.calls)


def reconcile(
    estimates: Sequence[InvocationRecord], reports: Iterable[BilledInvocation], prices: PriceTable
) -> Reconciliation:
    """Join estimates (EMF, with call ids) to REPORT records (exact) by request id, per call."""
    by_request = {e.request_id: e for e in estimates if e.request_id}
    per_call: dict[str, list[tuple[InvocationRecord, BilledInvocation]]] = {}
    unmatched: list[BilledInvocation] = []
    seen: set[str] = set()
    for report in reports:
        estimate = by_request.get(report.request_id)
        if estimate is None:
            unmatched.append(report)
            continue
        seen.add(report.request_id)
        per_call.setdefault(estimate.call_id or "-", []).append((estimate, report))
    calls = []
    for call_id, pairs in sorted(per_call.items()):
        estimated = exact_sum(e.estimated_cost_usd for e, _ in pairs)
        billed = exact_sum(
            billed_cost_usd(r, e.architecture, e.usage.provisioned, e.stage, prices) for e, r in pairs
        )
        calls.append(
            CallReconciliation(
                call_id=call_id,
                invocations=len(pairs),
                estimated_usd=estimated,
                billed_usd=billed,
                difference_usd=exact_sum([billed, -estimated]),
                cold_starts=sum(1 for _, r in pairs if r.init_duration_ms),
                init_billed_ms=sum(
                    round(r.init_duration_ms or 0) for _, r in pairs if r.init_duration_ms and r.init_billed
                ),
            )
        )
    return Reconciliation(
        calls=calls,
        unmatched_reports=unmatched,
        unmatched_estimates=sorted(set(by_request) - seen),
    )
