"""The local ASL interpreter runs the deployed call-turn definition; these use fake stages."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from outdial.errors import AudioDecodeError, TransientStageError
from outdial.workflow.asl import AslInterpreter, StatesError, UnsupportedAslError, read_path, write_path

ASL = Path(__file__).resolve().parents[2] / "infra" / "statemachine" / "call_turn.asl.json"


def turn_input(lang: str | None = "zh") -> dict[str, Any]:
    return {
        "call_id": "c1",
        "turn_id": "c1-000",
        "turn_index": 0,
        "campaign_id": "camp",
        "script_id": "zh-loan-reminder",
        "node_id": "greet",
        "lang": lang,
        "audio": {"encoding": "mulaw", "sample_rate": 8000, "b64": base64.b64encode(b"\xff" * 80).decode()},
        "context": {},
    }


class Stages:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.asr_failures: list[Exception] = []
        self.no_speech = False

    def asr(self, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("asr")
        if self.asr_failures:
            raise self.asr_failures.pop(0)
        return {
            "text": "" if self.no_speech else "是我",
            "lang": "zh",
            "no_speech": self.no_speech,
            "compute_ms": 1.0,
        }

    def intent(self, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("intent")
        assert event["asr"]["text"] == "是我"  # the ASR result reached the next stage
        return {"intent": "affirm", "confidence": 0.9, "compute_ms": 1.0}

    def reply(self, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("reply")
        return {"text": "好的", "source": "script", "node_id": "disclose", "heard": event["asr"]["text"]}

    def resources(self) -> dict[str, Any]:
        return {"AsrFunctionArn": self.asr, "IntentFunctionArn": self.intent, "ReplyFunctionArn": self.reply}


def interpreter(stages: Stages, sleeps: list[float] | None = None) -> AslInterpreter:
    record = sleeps if sleeps is not None else []
    return AslInterpreter.from_file(ASL, stages.resources(), sleep=record.append)


def test_happy_path_runs_asr_intent_reply_in_order() -> None:
    stages = Stages()
    execution = interpreter(stages).execute(turn_input())
    assert execution.status == "SUCCEEDED"
    assert stages.calls == ["asr", "intent", "reply"]
    assert execution.output["reply"]["heard"] == "是我"
    assert execution.output["nlu"]["intent"] == "affirm"
    assert [s.name for s in execution.states] == ["Transcribe", "HeardSpeech", "Understand", "Respond"]


def test_silence_skips_the_intent_stage() -> None:
    stages = Stages()
    stages.no_speech = True
    stages.reply = lambda event: {"text": "喂？", "source": "script"}  # type: ignore[method-assign]
    execution = interpreter(stages).execute(turn_input())
    assert stages.calls == ["asr"]
    assert execution.output["reply"]["text"] == "喂？"
    assert "nlu" not in execution.output


@pytest.mark.parametrize(("lang", "expected"), [("zh", "zh"), ("en", "en"), (None, "en")])
def test_stage_failure_ends_in_fallback_line_in_the_callers_language(lang: str | None, expected: str) -> None:
    stages = Stages()
    stages.asr_failures = [AudioDecodeError("not audio")]
    execution = interpreter(stages).execute(turn_input(lang))
    assert execution.status == "SUCCEEDED"
    reply = execution.output["reply"]
    assert reply["source"] == "fallback" and reply["lang"] == expected and reply["text"]
    assert reply["node_id"] == "greet"  # the call stays where it was
    assert execution.output["error"]["Error"] == "AudioDecodeError"
    assert json.loads(execution.output["error"]["Cause"])["errorMessage"] == "not audio"
    assert stages.calls == ["asr"]  # a decode error is not retried


def test_transient_errors_are_retried_with_backoff() -> None:
    stages = Stages()
    stages.asr_failures = [TransientStageError("throttled")]
    sleeps: list[float] = []
    execution = interpreter(stages, sleeps).execute(turn_input())
    assert execution.status == "SUCCEEDED" and execution.output["reply"]["source"] == "script"
    assert stages.calls == ["asr", "asr", "intent", "reply"]
    assert sleeps == [1]
    assert execution.states[0].attempts == 2


def test_retries_exhausted_fall_back() -> None:
    stages = Stages()
    stages.asr_failures = [TransientStageError("x")] * 2
    execution = interpreter(stages, []).execute(turn_input())
    assert execution.output["error"]["Error"] == "TransientStageError"
    assert execution.output["reply"]["source"] == "fallback"


def test_a_task_over_its_timeout_is_caught_as_states_timeout() -> None:
    definition = json.loads(ASL.read_text())
    definition["States"]["Transcribe"]["TimeoutSeconds"] = 1
    stages = Stages()

    def slow_asr(event: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.5)
        return {}

    resources = stages.resources() | {"AsrFunctionArn": slow_asr}
    execution = AslInterpreter(definition, resources).execute(turn_input())
    assert execution.output["error"]["Error"] == "States.Timeout"
    assert execution.output["reply"]["source"] == "fallback"


def test_unbound_resources_and_unsupported_states_are_rejected_up_front() -> None:
    with pytest.raises(UnsupportedAslError, match="not bound"):
        AslInterpreter.from_file(ASL, {"AsrFunctionArn": print})
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True}}}
    with pytest.raises(UnsupportedAslError, match="Map"):
        AslInterpreter(definition, {})


def test_paths() -> None:
    document = {"a": {"b": [1, {"c": 2}]}}
    assert read_path(document, "$.a.b[1].c") == 2
    assert write_path(document, "$.x.y", 3)["x"] == {"y": 3}
    assert document == {"a": {"b": [1, {"c": 2}]}}  # inputs are never mutated
    with pytest.raises(StatesError, match="could not be found"):
        read_path(document, "$.missing")


def test_the_machine_timeout_ends_the_execution_without_a_fallback() -> None:
    # As in Step Functions: a machine-level timeout skips every Catch.
    definition = json.loads(ASL.read_text())
    definition["TimeoutSeconds"] = 1
    stages = Stages()

    def slow_asr(event: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.3)
        return {}

    execution = AslInterpreter(definition, stages.resources() | {"AsrFunctionArn": slow_asr}).execute(
        turn_input()
    )
    assert execution.status == "FAILED" and execution.error == "States.Timeout"


def test_the_deployed_budgets_fit_under_the_machine_timeout() -> None:
    definition = json.loads(ASL.read_text())
    worst = 0.0
    for state in definition["States"].values():
        if state["Type"] != "Task":
            continue
        retry = state["Retry"][0]
        attempts = 1 + retry["MaxAttempts"]
        backoff = sum(
            retry["IntervalSeconds"] * retry["BackoffRate"] ** i for i in range(retry["MaxAttempts"])
        )
        worst += state["TimeoutSeconds"] * attempts + backoff
    assert worst <= definition["TimeoutSeconds"] < 30  # API Gateway gives up at 30 s
