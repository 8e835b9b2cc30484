"""CallService against real local adapters (SQLite file, directory) and a scripted workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from outdial.adapters.local import FsObjectStore, SqliteCallStore
from outdial.calls import INLINE_AUDIO_LIMIT, CallNotActiveError, CallService
from outdial.errors import WorkflowFailedError
from outdial.script import ScriptCatalog

from tests.fakes import FixedClock, ScriptedWorkflow

CONTEXT = {"name": "Jordan", "insurer": "Harbor Mutual", "premium": "842", "expiry_date": "December 15"}


def spoken(text: str, intent: str, node: str, *, end: bool = False, outcome: str | None = None):  # type: ignore[no-untyped-def]
    def output(turn: dict[str, Any]) -> dict[str, Any]:
        return turn | {
            "asr": {
                "text": text,
                "lang": "en",
                "audio_ms": 900,
                "speech_ms": 700,
                "compute_ms": 120,
                "stage_ms": {"encoder": 40, "decoder": 70},
            },
            "nlu": {"intent": intent, "confidence": 0.93, "compute_ms": 4, "slots": {}},
            "reply": {
                "text": f"line at {node}",
                "ssml": "<speak/>",
                "lang": "en",
                "node_id": node,
                "source": "script",
                "end_call": end,
                "outcome": outcome,
                "compute_ms": 3,
            },
        }

    return output


def failed(error: str):  # type: ignore[no-untyped-def]
    def output(turn: dict[str, Any]) -> dict[str, Any]:
        return turn | {
            "error": {"Error": error, "Cause": '{"errorMessage": "boom"}'},
            "reply": {
                "text": "Sorry, I didn't catch that.",
                "ssml": "<speak/>",
                "lang": "en",
                "node_id": turn["node_id"],
                "source": "fallback",
                "compute_ms": 0,
            },
        }

    return output


def service(tmp_path: Path, workflow: Any, **kwargs: Any) -> CallService:
    return CallService(
        store=SqliteCallStore(tmp_path / "db.sqlite"),
        workflow=workflow,
        objects=FsObjectStore(tmp_path / "objects"),
        catalog=ScriptCatalog.from_dirs(),
        clock=FixedClock(),
        **kwargs,
    )


def start(svc: CallService) -> str:
    call, opening = svc.start_call("camp", "en-001", "+14155550101", "en-insurance-renewal", "en", CONTEXT)
    assert opening.text.startswith("Hi, this is the virtual assistant from Harbor Mutual")
    return call.call_id


def test_turns_are_persisted_and_the_call_follows_the_reply(tmp_path: Path) -> None:
    workflow = ScriptedWorkflow(
        [
            spoken("yes", "affirm", "disclose"),
            spoken("sure", "affirm", "confirm_renewal", end=True, outcome="converted"),
        ]
    )
    svc = service(tmp_path, workflow)
    call_id = start(svc)
    first = svc.take_turn(call_id, b"\xff" * 8000)
    assert first.node_before == "greet" and first.node_after == "disclose"
    assert first.timings_ms["asr"] == 120 and first.timings_ms["asr.encoder"] == 40
    svc.take_turn(call_id, b"\xff" * 8000)
    assert workflow.inputs[0]["node_id"] == "greet" and workflow.inputs[1]["node_id"] == "disclose"
    # A fresh store on the same file sees everything: persistence, not memory.
    reopened = SqliteCallStore(tmp_path / "db.sqlite")
    call = reopened.get_call(call_id)
    assert (call.status, call.outcome, call.turns) == ("completed", "converted", 2)
    assert [t.intent for t in reopened.list_turns(call_id)] == ["affirm", "affirm"]
    with pytest.raises(CallNotActiveError):
        svc.take_turn(call_id, b"\xff")


def test_a_failed_stage_is_persisted_with_its_error_and_repeats_escalate_to_transfer(tmp_path: Path) -> None:
    workflow = ScriptedWorkflow([failed("AudioDecodeError"), failed("States.Timeout")])
    svc = service(tmp_path, workflow, fallbacks_before_transfer=2)
    call_id = start(svc)
    first = svc.take_turn(call_id, b"not audio")
    assert first.fallback and first.error == "AudioDecodeError" and not first.end_call
    assert first.reply_text == "Sorry, I didn't catch that."
    second = svc.take_turn(call_id, b"not audio")
    assert second.fallback and second.end_call and second.outcome == "transferred"
    assert second.reply_text == "Sure, let me transfer you to an agent now. Please hold."
    assert len(svc.list_turns(call_id)) == 2
    assert svc.get_call(call_id).outcome == "transferred"


def test_a_workflow_outage_still_answers_the_caller_and_is_recorded(tmp_path: Path) -> None:
    def outage(_: dict[str, Any]) -> dict[str, Any]:
        raise WorkflowFailedError("States.Runtime: boom")

    svc = service(tmp_path, ScriptedWorkflow([outage]))
    call_id = start(svc)
    turn = svc.take_turn(call_id, b"\xff" * 100)
    assert turn.error == "WorkflowFailedError" and turn.outcome == "transferred" and turn.reply_text
    assert svc.list_turns(call_id)[0].error == "WorkflowFailedError"


def test_large_audio_travels_by_object_key(tmp_path: Path) -> None:
    workflow = ScriptedWorkflow([spoken("yes", "affirm", "disclose")])
    svc = service(tmp_path, workflow)
    call_id = start(svc)
    svc.take_turn(call_id, b"\x7f" * (INLINE_AUDIO_LIMIT + 1))
    audio = workflow.inputs[0]["audio"]
    assert audio["b64"] is None and audio["key"].startswith("audio/camp/")
    assert FsObjectStore(tmp_path / "objects").get(audio["key"]) == b"\x7f" * (INLINE_AUDIO_LIMIT + 1)


def test_max_turns_ends_the_call(tmp_path: Path) -> None:
    workflow = ScriptedWorkflow([spoken("hmm", "other", "greet")] * 2)
    svc = service(tmp_path, workflow, max_turns=2)
    call_id = start(svc)
    assert not svc.take_turn(call_id, b"\xff").end_call
    last = svc.take_turn(call_id, b"\xff")
    assert last.end_call and svc.get_call(call_id).status == "completed"
