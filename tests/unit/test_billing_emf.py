"""A real call turn (CallService -> the deployed ASL -> three Lambda-shaped handlers with real
powertools Metrics) emits one EMF blob per invocation; the cost is recomputed from the
captured blobs with nothing but json, fractions and the raw price file."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from outdial.adapters.local import FsObjectStore, LocalWorkflow, SqliteCallStore
from outdial.billing.cost import TurnUsage, cost_turn
from outdial.billing.emf import InvocationMeter, invocation_records, parse_emf_lines
from outdial.billing.prices import shipped_table
from outdial.calls import CallService
from outdial.observability import powertools
from outdial.script import ScriptCatalog
from outdial.wiring import ASL_PATH

from tests.fakes import FixedClock
from tests.support_lambda import FakeLambdaContext

PRICE_FILE = (
    Path(__file__).resolve().parents[2] / "layers/outdial/outdial/billing/prices/aws-us-east-1-2026-11.json"
)
MEMORY = {"asr": 3008, "intent": 1024, "reply": 1024}
CONTEXT = {"name": "Jordan", "insurer": "Harbor Mutual", "premium": "842", "expiry_date": "December 15"}


def asr(event: dict[str, Any]) -> dict[str, Any]:
    time.sleep(0.003)
    return {
        "text": "yes it is",
        "lang": "en",
        "audio_ms": 1500,
        "speech_ms": 900,
        "no_speech": False,
        "compute_ms": 3.0,
    }


def intent(event: dict[str, Any]) -> dict[str, Any]:
    return {"intent": "affirm", "confidence": 0.97, "slots": {}, "compute_ms": 0.8}


def reply(event: dict[str, Any]) -> dict[str, Any]:
    end = event["turn_index"] == 1
    return {
        "text": "Thanks, that is all." if end else "Great, one more thing.",
        "ssml": "<speak/>",
        "lang": "en",
        "node_id": event["node_id"],
        "source": "script",
        "end_call": end,
        "outcome": "converted" if end else None,
        "compute_ms": 0.5,
    }


def metric(blob: dict[str, Any], name: str) -> float:
    """An EMF metric value (powertools writes each as a list of one)."""
    value = blob[name]
    return float(value[0] if isinstance(value, list) else value)


def lambda_function(stage: str, work: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Any], Any]:
    """One Lambda: its meter starts at 'import', then init work, then a handler per invocation."""
    meter = InvocationMeter(stage, prices=shipped_table())
    time.sleep(0.004)  # stands in for loading the models at init

    def invoke(event: Any) -> Any:
        # Each function is its own process on AWS; powertools' metric state is process-wide, so
        # start from a clean slate as a fresh process would, then wire it as the handler does.
        shared = Metrics()
        shared.clear_default_dimensions()
        shared.clear_metrics()
        _, metrics, _ = powertools(stage)

        @metrics.log_metrics
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            with meter.measure(metrics, event, context) as invocation:
                result = work(event)
                invocation.observe(result)
            return result

        context = FakeLambdaContext(function_name=f"outdial-{stage}", memory_limit_in_mb=MEMORY[stage])
        return handler(event, context)

    return invoke


@pytest.fixture
def emf_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], list[Any]]:
    monkeypatch.setenv("OUTDIAL_ARCHITECTURE", "arm64")  # read by powertools() and the meter alike
    workflow = LocalWorkflow(
        ASL_PATH,
        {
            "AsrFunctionArn": lambda_function("asr", asr),
            "IntentFunctionArn": lambda_function("intent", intent),
            "ReplyFunctionArn": lambda_function("reply", reply),
        },
    )
    service = CallService(
        SqliteCallStore(tmp_path / "db.sqlite"),
        workflow,
        FsObjectStore(tmp_path / "objects"),
        ScriptCatalog.from_dirs(),
        FixedClock(),
    )
    call, _ = service.start_call("camp-emf", "en-1", "+14155550101", "en-insurance-renewal", "en", CONTEXT)
    capsys.readouterr()
    turns = [service.take_turn(call.call_id, b"\xff" * 4000) for _ in range(2)]
    assert [t.error for t in turns] == [None, None], turns[0].error_cause
    return capsys.readouterr().out.splitlines(), turns


def test_each_invocation_emits_one_blob_with_ids_in_metadata_not_dimensions(emf_lines: Any) -> None:
    lines, turns = emf_lines
    blobs = [json.loads(line) for line in lines if line.startswith("{") and "_aws" in line]
    assert [b["stage"] for b in blobs] == ["asr", "intent", "reply"] * 2
    for blob in blobs:
        dimensions = set(blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0])
        assert dimensions == {"service", "stage", "function", "architecture", "campaign"}
        assert blob["campaign"] == "camp-emf" and blob["architecture"] == "arm64"
        assert blob["call_id"] == turns[0].call_id and blob["turn_id"].startswith(turns[0].call_id)
        assert {"call_id", "turn_id", "request_id"}.isdisjoint(dimensions)
    asr_blob, _, reply_blob = blobs[:3]
    assert metric(asr_blob, "AudioSeconds") == 1.5 and metric(asr_blob, "ModelComputeMs") == 3.0
    assert metric(reply_blob, "Characters") == len("Great, one more thing.")
    # First invocation of each function is a cold start; the second turn is warm.
    assert [metric(b, "ColdStartInvocation") for b in blobs] == [1, 1, 1, 0, 0, 0]
    assert all(metric(b, "InitDurationMs") >= 4 for b in blobs[:3])
    assert all("InitDurationMs" not in b for b in blobs[3:])


def test_the_cost_recomputed_from_the_captured_emf_matches_the_estimate(emf_lines: Any) -> None:
    lines, turns = emf_lines
    raw_prices = json.loads(PRICE_FILE.read_text(encoding="utf-8"))["lambda"]
    independent = Fraction(0)
    for line in lines:
        if not (line.startswith("{") and "EstimatedCostMicroUSD" in line):
            continue
        blob = json.loads(line)
        arch = raw_prices[blob["architecture"]]
        init_ms = metric(blob, "InitDurationMs") if "InitDurationMs" in blob else 0.0
        billed_ms = math.ceil(Fraction(repr(metric(blob, "DurationMs"))) + Fraction(repr(init_ms)))
        cost = Fraction(billed_ms, 1000) * Fraction(int(metric(blob, "MemorySizeMB")), 1024)
        cost = cost * Fraction(arch["duration_gb_second"]["value"]) + Fraction(arch["request"]["value"])
        assert Fraction(blob["estimated_cost_usd"]) == cost
        assert metric(blob, "EstimatedCostMicroUSD") == pytest.approx(float(cost * 1_000_000), rel=1e-12)
        independent += cost
    assert independent > 0

    # The same blobs through the library's parser give the turn's Lambda cost, to the last digit.
    records = invocation_records(parse_emf_lines(lines))
    assert len(records) == 6 and {r.call_id for r in records} == {turns[0].call_id}
    from_library = Fraction(0)
    for turn in turns:
        usages = [r.usage for r in records if r.turn_id == turn.turn_id]
        turn_cost = cost_turn(
            TurnUsage(invocations=usages, workflow_ms=turn.timings_ms["workflow"]), shipped_table()
        )
        from_library += Fraction(str(turn_cost.lambda_usd))
    assert from_library == independent
