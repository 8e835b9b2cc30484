"""Calls and turns: the domain service every entry point (API, dialer, demo) goes through."""

from __future__ import annotations

import base64
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from outdial.billing.cost import FunctionSizing, cost_turn, turn_usage_from_timings
from outdial.billing.ledger import cost_stored_call
from outdial.billing.prices import PriceTable, load_price_table
from outdial.errors import InvalidEventError, OutdialError
from outdial.models import (
    AsrOutput,
    AudioEncoding,
    AudioRef,
    CallRecord,
    IntentOutput,
    Lang,
    ReplyOutput,
    Slots,
    StageFailure,
    TurnInput,
    TurnRecord,
)
from outdial.ports import CallStore, Clock, ObjectStore, WorkflowRunner
from outdial.reply import opening_line, to_ssml
from outdial.script import ScriptCatalog

_log = logging.getLogger(__name__)

# Step Functions caps a payload at 256 KB; larger audio travels by object key.
INLINE_AUDIO_LIMIT = 150_000


class CallNotActiveError(OutdialError):
    """A turn was posted to a call that has already ended."""


class CallService:
    def __init__(
        self,
        store: CallStore,
        workflow: WorkflowRunner,
        objects: ObjectStore,
        catalog: ScriptCatalog,
        clock: Clock,
        fallbacks_before_transfer: int = 2,
        max_turns: int = 10,
        prices: PriceTable | None = None,
        sizing: FunctionSizing | None = None,
    ) -> None:
        self._store = store
        self._workflow = workflow
        self._objects = objects
        self._catalog = catalog
        self._clock = clock
        self._fallbacks_before_transfer = fallbacks_before_transfer
        self._max_turns = max_turns
        self._prices = prices or load_price_table()
        self._sizing = sizing or FunctionSizing.from_env()
        # Set by the campaign layer: DNC takes effect at once, a finished call settles its attempt.
        self.on_turn: Callable[[CallRecord, TurnRecord], None] | None = None

    def start_call(
        self,
        campaign_id: str,
        contact_id: str,
        phone: str,
        script_id: str,
        lang: Lang,
        context: Mapping[str, str],
        call_id: str | None = None,
    ) -> tuple[CallRecord, ReplyOutput]:
        script = self._catalog.get(script_id)
        if lang not in script.languages:
            raise InvalidEventError(f"lang: script {script_id!r} has no {lang!r} lines")
        opening = opening_line(script, lang, context)
        call = CallRecord(
            call_id=call_id or uuid.uuid4().hex,
            campaign_id=campaign_id,
            contact_id=contact_id,
            phone=phone,
            lang=lang,
            script_id=script_id,
            node_id=script.start,
            started_at=self._clock.now().isoformat(),
            meta={"context": dict(context), "opening": opening.text},
        )
        self._store.put_call(call)
        return call, opening

    def take_turn(
        self, call_id: str, audio: bytes, encoding: AudioEncoding = "mulaw", sample_rate: int = 8000
    ) -> TurnRecord:
        call = self._store.get_call(call_id)
        if call.status != "in_progress":
            raise CallNotActiveError(f"call {call_id} has ended ({call.outcome})")
        previous = self._store.list_turns(call_id)
        turn_index = len(previous)
        turn_id = f"{call_id}-{turn_index:03d}"
        if len(audio) > INLINE_AUDIO_LIMIT:
            key = f"audio/{call.campaign_id}/{call_id}/{turn_index:03d}.{encoding}"
            self._objects.put(key, audio)
            audio_ref = AudioRef(encoding=encoding, sample_rate=sample_rate, key=key)  # type: ignore[arg-type]
        else:
            audio_ref = AudioRef(
                encoding=encoding,
                sample_rate=sample_rate,  # type: ignore[arg-type]
                b64=base64.b64encode(audio).decode("ascii"),
            )
        context = {str(k): str(v) for k, v in call.meta.get("context", {}).items()}
        turn_input = TurnInput(
            call_id=call_id,
            turn_id=turn_id,
            turn_index=turn_index,
            campaign_id=call.campaign_id,
            script_id=call.script_id,
            node_id=call.node_id,
            lang=call.lang,
            audio=audio_ref,
            context=context,
        )
        started_at = self._clock.now().isoformat()
        wall_started = time.perf_counter()
        try:
            document = self._workflow.run_turn(turn_input.model_dump(mode="json"))
            record = self._record_from_output(document, turn_input, started_at)
        except Exception as exc:  # an outage of the workflow itself: never leave the caller in silence
            record = self._transfer_record(turn_input, started_at, type(exc).__name__, str(exc))
        record.timings_ms["workflow"] = (time.perf_counter() - wall_started) * 1000
        usage = turn_usage_from_timings(record.timings_ms, self._sizing, api_request_bytes=len(audio))
        record.cost = cost_turn(usage, self._prices)

        streak = 1 if record.fallback else 0
        for turn in reversed(previous):
            if not turn.fallback:
                break
            streak += 1
        if record.fallback and streak >= self._fallbacks_before_transfer:
            record = self._escalate(record, call.lang)
        if not record.end_call and turn_index + 1 >= self._max_turns:
            record.end_call = True
            record.outcome = record.outcome or "failed"

        self._store.put_turn(record)
        call.node_id = record.node_after
        call.turns = turn_index + 1
        if record.end_call:
            call.status = "completed"
            call.outcome = record.outcome or "failed"  # type: ignore[assignment]
            call.ended_at = self._clock.now().isoformat()
            call_cost = cost_stored_call(call, [*previous, record], self._prices, self._sizing)
            call.meta["cost"] = call_cost.model_dump(mode="json")
        self._store.put_call(call)
        if self.on_turn is not None:
            try:
                self.on_turn(call, record)
            except Exception:  # the caller must still hear the reply; the hook's failure is logged
                _log.exception("on_turn hook failed for call %s turn %s", call_id, turn_id)
        return record

    def _record_from_output(
        self, document: Mapping[str, Any], turn: TurnInput, started_at: str
    ) -> TurnRecord:
        try:
            asr = AsrOutput.model_validate(document["asr"]) if document.get("asr") else None
            nlu = IntentOutput.model_validate(document["nlu"]) if document.get("nlu") else None
            reply = ReplyOutput.model_validate(document["reply"])
            error = StageFailure.model_validate(document["error"]) if document.get("error") else None
        except (KeyError, ValidationError) as exc:
            raise InvalidEventError(f"workflow output is malformed: {exc}") from exc
        timings: dict[str, float] = {}
        if asr:
            timings["asr"] = asr.compute_ms
            timings.update({f"asr.{k}": v for k, v in asr.stage_ms.items()})
        if nlu:
            timings["intent"] = nlu.compute_ms
        timings["reply"] = reply.compute_ms
        return TurnRecord(
            call_id=turn.call_id,
            turn_id=turn.turn_id,
            turn_index=turn.turn_index,
            campaign_id=turn.campaign_id,
            node_before=turn.node_id,
            node_after=reply.node_id,
            lang=reply.lang,
            transcript=asr.text if asr else "",
            intent=nlu.intent if nlu else None,
            confidence=nlu.confidence if nlu else None,
            slots=nlu.slots if nlu else Slots(),
            reply_text=reply.text,
            reply_source=reply.source,
            fallback=reply.source == "fallback",
            error=error.error if error else None,
            error_cause=error.cause[:2000] if error else None,
            timings_ms=timings,
            started_at=started_at,
            outcome=reply.outcome,
            end_call=reply.end_call,
        )

    def _transfer_text(self, script_id: str, lang: Lang) -> tuple[str, str]:
        script = self._catalog.get(script_id)
        node_id = script.transfer_node()
        if node_id is None:
            raise InvalidEventError(f"script {script_id!r} has no transfer node to escalate to")
        return node_id, script.node(node_id).say[lang][0]

    def _transfer_record(self, turn: TurnInput, started_at: str, error: str, cause: str) -> TurnRecord:
        lang: Lang = turn.lang or "en"
        node_id, text = self._transfer_text(turn.script_id, lang)
        return TurnRecord(
            call_id=turn.call_id,
            turn_id=turn.turn_id,
            turn_index=turn.turn_index,
            campaign_id=turn.campaign_id,
            node_before=turn.node_id,
            node_after=node_id,
            lang=lang,
            transcript="",
            intent=None,
            confidence=None,
            slots=Slots(),
            reply_text=text,
            reply_source="fallback",
            fallback=True,
            error=error,
            error_cause=cause[:2000],
            timings_ms={},
            started_at=started_at,
            outcome="transferred",
            end_call=True,
        )

    def _escalate(self, record: TurnRecord, lang: Lang) -> TurnRecord:
        """Repeated failures: hand the caller to a person instead of asking again."""
        call = self._store.get_call(record.call_id)
        node_id, text = self._transfer_text(call.script_id, lang)
        return record.model_copy(
            update={
                "node_after": node_id,
                "reply_text": text,
                "outcome": "transferred",
                "end_call": True,
            }
        )

    def get_call(self, call_id: str) -> CallRecord:
        return self._store.get_call(call_id)

    def list_turns(self, call_id: str) -> list[TurnRecord]:
        return self._store.list_turns(call_id)

    def list_calls(self, campaign_id: str, limit: int = 50, after: str | None = None) -> list[CallRecord]:
        return self._store.list_calls(campaign_id, limit=limit, after=after)

    def reply_ssml(self, record: TurnRecord) -> str:
        lang: Lang = record.lang or "en"
        return to_ssml(record.reply_text, lang, verbatim=False)
