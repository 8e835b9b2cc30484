"""REPORT records (JSON platform.report and text), CloudWatch Logs subscription payloads, and
estimated-vs-billed reconciliation per call — plus the billing Lambda on a real-shaped delivery."""

from __future__ import annotations

import base64
import gzip
import json
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from outdial.billing.cost import InvocationUsage, cost_invocation, to_micro_usd
from outdial.billing.emf import invocation_records, parse_emf_lines, record_invocation
from outdial.billing.prices import shipped_table
from outdial.billing.reconcile import (
    billed_invocations,
    decode_subscription,
    parse_report_message,
    reconcile,
)
from outdial.errors import InvalidEventError

from tests.support_lambda import FakeLambdaContext, load_handler_module

PRICES = shipped_table()
COLD_JSON = {
    "time": "2026-11-24T09:00:01.123Z",
    "type": "platform.report",
    "record": {
        "requestId": "6f7f0961-7a1b-4a5e-9e0c-3f4a2b1c0d01",
        "metrics": {
            "durationMs": 612.43,
            "billedDurationMs": 3614,
            "memorySizeMB": 3008,
            "maxMemoryUsedMB": 1290,
            "initDurationMs": 3001.25,
        },
        "tracing": {
            "spanId": "54565fb41ac79632",
            "type": "X-Amzn-Trace-Id",
            "value": "Root=1-6743;Sampled=0",
        },
        "status": "success",
    },
}
WARM_TEXT = (
    "REPORT RequestId: 3f1c2b7e-0d4a-4a8f-b1f2-9c8d7e6f5a40\tDuration: 41.87 ms\tBilled Duration: 42 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 380 MB\t\n"
)
COLD_TEXT = (
    "REPORT RequestId: 11111111-2222-3333-4444-555555555555\tDuration: 12.02 ms\tBilled Duration: 13 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 200 MB\tInit Duration: 1480.33 ms\tXRAY TraceId: 1-abc\t"
)


def test_a_json_platform_report_is_parsed_with_its_init_duration() -> None:
    billed = parse_report_message(json.dumps(COLD_JSON), "/aws/lambda/outdial-asr")
    assert billed is not None
    assert (billed.request_id, billed.billed_duration_ms, billed.memory_size_mb) == (
        "6f7f0961-7a1b-4a5e-9e0c-3f4a2b1c0d01",
        3614,
        3008,
    )
    assert billed.init_duration_ms == 3001.25 and billed.init_billed  # billed since 2025-08-01


def test_text_reports_are_parsed_and_a_free_init_is_recognised() -> None:
    warm = parse_report_message(WARM_TEXT)
    cold = parse_report_message(COLD_TEXT)
    assert warm is not None and (warm.duration_ms, warm.billed_duration_ms, warm.init_duration_ms) == (
        41.87,
        42,
        None,
    )
    assert cold is not None and cold.init_duration_ms == 1480.33
    assert not cold.init_billed  # 13 ms billed for 1.5 s of INIT: the pre-August-2025 behaviour


def test_other_log_lines_are_not_reports_and_a_broken_report_is_an_error() -> None:
    assert parse_report_message('{"level":"INFO","message":"hello"}') is None
    assert parse_report_message("START RequestId: x Version: $LATEST") is None
    broken = {"type": "platform.report", "record": {"requestId": "x", "metrics": {}}}
    with pytest.raises(InvalidEventError, match=r"platform\.report"):
        parse_report_message(json.dumps(broken))


def emf_line(capsys: pytest.CaptureFixture[str], request_id: str, call_id: str, stage: str, ms: float) -> str:
    metrics = Metrics(namespace="OutdialTest", service="outdial")
    metrics.clear_default_dimensions()
    metrics.clear_metrics()
    metrics.set_default_dimensions(stage=stage, function=f"outdial-{stage}", architecture="x86_64")
    usage = InvocationUsage(stage=stage, memory_mb=3008 if stage == "asr" else 1024, duration_ms=ms)
    event = {"call_id": call_id, "turn_id": f"{call_id}-000", "campaign_id": "camp"}
    capsys.readouterr()
    record_invocation(metrics, usage, cost_invocation(usage, PRICES), event=event, request_id=request_id)
    metrics.flush_metrics()
    return capsys.readouterr().out.strip()


def delivery(messages: list[str], group: str = "/aws/lambda/outdial-asr") -> dict[str, Any]:
    body = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": group,
        "logStream": "2026/11/24/[$LATEST]0123456789abcdef",
        "subscriptionFilters": ["outdial-billing"],
        "logEvents": [
            {"id": str(36000000 + i), "timestamp": 1795509229000 + i, "message": m}
            for i, m in enumerate(messages)
        ],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(body).encode())).decode()}}


def test_estimates_reconcile_with_billed_reports_per_call(capsys: pytest.CaptureFixture[str]) -> None:
    cold_id = COLD_JSON["record"]["requestId"]  # type: ignore[index]
    messages = [
        emf_line(capsys, cold_id, "call-A", "asr", 600.0),
        json.dumps(COLD_JSON),
        emf_line(capsys, "3f1c2b7e-0d4a-4a8f-b1f2-9c8d7e6f5a40", "call-B", "intent", 40.1),
        WARM_TEXT,
        "REPORT RequestId: not-ours\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 60 MB\t",
    ]
    payload = decode_subscription(delivery(messages))
    estimates = invocation_records(parse_emf_lines(e.message for e in payload.logEvents))
    result = reconcile(estimates, billed_invocations(payload), PRICES)
    by_call = {c.call_id: c for c in result.calls}
    # call-A: the estimate missed the 3 s INIT; billed = 3614 ms × 3008/1024 GB × price + request.
    billed_a = Decimal("3.614") * Decimal(3008) / 1024 * Decimal("0.0000166667") + Decimal("0.0000002")
    assert by_call["call-A"].billed_usd == billed_a
    assert by_call["call-A"].estimated_usd == Decimal("0.6") * Decimal(3008) / 1024 * Decimal(
        "0.0000166667"
    ) + Decimal("0.0000002")
    assert by_call["call-A"].difference_usd > 0 and by_call["call-A"].cold_starts == 1
    assert by_call["call-A"].init_billed_ms == 3001
    # call-B: 40.1 ms estimated as 41 ms, billed 42 ms.
    assert by_call["call-B"].difference_usd == Decimal("0.001") * Decimal("0.0000166667")
    assert [r.request_id for r in result.unmatched_reports] == ["not-ours"]
    assert result.billed_usd == by_call["call-A"].billed_usd + by_call["call-B"].billed_usd
    assert "2025-08-01" in result.note


def test_a_payload_that_is_not_a_subscription_is_refused() -> None:
    with pytest.raises(InvalidEventError):
        decode_subscription({"awslogs": {"data": "bm90IGd6aXA="}})


def test_the_billing_lambda_reconciles_a_delivery(capsys: pytest.CaptureFixture[str]) -> None:
    cold_id = COLD_JSON["record"]["requestId"]  # type: ignore[index]
    event = delivery([emf_line(capsys, cold_id, "call-A", "asr", 600.0), json.dumps(COLD_JSON)])
    module = load_handler_module("billing")
    result = module.handler(event, FakeLambdaContext(function_name="outdial-billing"))
    assert (result["reports"], result["calls"]) == (1, 1)
    # The reconciliation's metrics (printed EMF); the per-call log lines go through the shared
    # powertools Logger, whose stream another test may own, so the metrics are what is checked.
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"BilledMicroUSD"' in line]
    billed = Decimal("3.614") * Decimal(3008) / 1024 * Decimal("0.0000166667") + Decimal("0.0000002")
    assert len(blobs) == 1 and blobs[0]["BilledMicroUSD"] == [to_micro_usd(billed)]
    assert blobs[0]["ReconciledInvocations"] == [1.0] and blobs[0]["UnmatchedReports"] == [0.0]
    control = {"messageType": "CONTROL_MESSAGE", "logEvents": []}
    ping = {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(control).encode())).decode()}}
    assert module.handler(ping, FakeLambdaContext())["reports"] == 0
