"""Pydantic models for every boundary: state-machine payloads, stage outputs, persisted turns.

These are the contracts between the Lambdas (and the local mode, which runs the same ASL).
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from outdial.billing.cost import TurnCost

Lang = Literal["zh", "en"]
LANG_ALIASES: dict[str, Lang] = {
    "zh": "zh",
    "zh-cn": "zh",
    "cmn": "zh",
    "zh-hans": "zh",
    "mandarin": "zh",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "english": "en",
}
LANG_DISPLAY: dict[Lang, str] = {"zh": "zh-CN", "en": "en-US"}


def normalise_lang(value: object) -> object:
    """Accept BCP-47 forms (zh-CN, en-US) and short codes; pydantic then checks the Literal."""
    if isinstance(value, str):
        return LANG_ALIASES.get(value.strip().lower(), value)
    return value


class Intent(StrEnum):
    """The fixed intent label set, shared by zh-CN and en-US."""

    AFFIRM = "affirm"
    DENY = "deny"
    BUSY = "busy"
    ASK_PRICE = "ask_price"
    ASK_DETAIL = "ask_detail"
    ASK_IDENTITY = "ask_identity"
    PROMISE_TO_PAY = "promise_to_pay"
    CANNOT_PAY = "cannot_pay"
    ALREADY_DONE = "already_done"
    WRONG_PERSON = "wrong_person"
    DO_NOT_CALL = "do_not_call"
    REQUEST_HUMAN = "request_human"
    REPEAT = "repeat"
    VOICEMAIL = "voicemail"
    OTHER = "other"


AudioEncoding = Literal["wav", "mulaw", "alaw", "pcm16"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AudioRef(Strict):
    """Caller audio for one turn: inline base64 (small clips) or an object-store key."""

    encoding: AudioEncoding = "mulaw"
    sample_rate: Literal[8000, 16000] = 8000
    b64: str | None = None
    key: str | None = Field(default=None, min_length=1, max_length=1024)

    @model_validator(mode="after")
    def _exactly_one_source(self) -> AudioRef:
        if (self.b64 is None) == (self.key is None):
            raise ValueError("audio needs exactly one of 'b64' or 'key'")
        return self

    @field_validator("b64")
    @classmethod
    def _valid_base64(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"audio.b64 is not valid base64: {exc}") from exc
        return value


class TurnInput(Strict):
    """Input of the call-turn state machine (and of its first state)."""

    call_id: str = Field(min_length=1, max_length=128)
    turn_id: str = Field(min_length=1, max_length=128)
    turn_index: int = Field(ge=0)
    campaign_id: str = Field(min_length=1, max_length=128)
    script_id: str = Field(min_length=1, max_length=128)
    node_id: str = Field(min_length=1, max_length=128)
    lang: Lang | None = None  # None: detect from the audio
    audio: AudioRef
    context: dict[str, str] = Field(default_factory=dict)  # contact fields for slot filling

    _lang = field_validator("lang", mode="before")(normalise_lang)


class AsrOutput(Strict):
    text: str
    lang: Lang
    audio_ms: float = Field(ge=0)
    speech_ms: float = Field(ge=0)
    no_speech: bool = False
    compute_ms: float = Field(ge=0)
    stage_ms: dict[str, float] = Field(default_factory=dict)  # decode, vad, encoder, decoder


class Slots(Strict):
    """Normalised slot values. Dates are ISO (YYYY-MM-DD), times 24h HH:MM, amounts decimal."""

    date: str | None = None
    time: str | None = None
    amount: float | None = None
    currency: str | None = None


class IntentOutput(Strict):
    intent: Intent
    confidence: float = Field(ge=0, le=1)
    slots: Slots = Field(default_factory=Slots)
    compute_ms: float = Field(ge=0)


ReplySource = Literal["script", "faq", "fallback"]


class ReplyOutput(Strict):
    text: str
    ssml: str
    lang: Lang
    node_id: str  # the node the call is at after this reply
    source: ReplySource
    verbatim: bool = False  # compliance lines are said word for word
    end_call: bool = False
    transfer: bool = False
    outcome: str | None = None
    compute_ms: float = Field(ge=0)


class StageFailure(Strict):
    """What a Catch puts at $.error: Step Functions' {Error, Cause} shape."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)
    error: str = Field(alias="Error")
    cause: str = Field(default="", alias="Cause")


class TurnState(BaseModel):
    """The document that flows through the state machine: input plus each stage's result."""

    model_config = ConfigDict(extra="forbid")
    call_id: str
    turn_id: str
    turn_index: int
    campaign_id: str
    script_id: str
    node_id: str
    lang: Lang | None = None
    audio: AudioRef
    context: dict[str, str] = Field(default_factory=dict)
    asr: AsrOutput | None = None
    nlu: IntentOutput | None = None
    reply: ReplyOutput | None = None
    error: StageFailure | None = None

    _lang = field_validator("lang", mode="before")(normalise_lang)


class TurnRecord(BaseModel):
    """A persisted turn: what was heard, understood and said, and how long each stage took."""

    model_config = ConfigDict(extra="forbid")
    call_id: str
    turn_id: str
    turn_index: int
    campaign_id: str
    node_before: str
    node_after: str
    lang: Lang | None
    transcript: str
    intent: Intent | None
    confidence: float | None
    slots: Slots
    reply_text: str
    reply_source: ReplySource
    fallback: bool
    error: str | None
    error_cause: str | None
    timings_ms: dict[str, float]
    started_at: str  # ISO 8601 UTC
    outcome: str | None = None
    end_call: bool = False
    cost: TurnCost | None = None  # estimated from measured durations (billing.cost)


CallOutcome = Literal[
    "converted",
    "promised_to_pay",
    "refused",
    "callback",
    "wrong_number",
    "dnc",
    "voicemail",
    "transferred",
    "no_answer",
    "failed",
    "in_progress",
]


class CallRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: str
    campaign_id: str
    contact_id: str
    phone: str
    lang: Lang
    script_id: str
    status: Literal["in_progress", "completed", "failed"] = "in_progress"
    outcome: CallOutcome = "in_progress"
    node_id: str
    started_at: str
    ended_at: str | None = None
    turns: int = 0
    meta: dict[str, Any] = Field(default_factory=dict)
