"""The three call-turn stages as plain callables: event dict in, JSON-able dict out.

Lambda handlers wrap these with powertools; the local workflow binds them to the ASL's
Task resources. Both parse with the same pydantic models and raise the same named errors.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from outdial.errors import AudioDecodeError, InvalidEventError, NotFoundError, fields_at_fault
from outdial.models import AsrOutput, AudioEncoding, AudioRef, IntentOutput, Lang, TurnState
from outdial.ports import ObjectStore
from outdial.reply import ReplyEngine


class Recognizer(Protocol):
    def transcribe(
        self, audio: bytes, encoding: AudioEncoding, sample_rate: int, lang: Lang | None
    ) -> AsrOutput: ...


class Classifier(Protocol):
    def classify(self, text: str, lang: Lang, now: datetime | None = None) -> IntentOutput: ...


def parse_state(event: Any) -> TurnState:
    """Validate a Task's input; the error names every field at fault."""
    if not isinstance(event, Mapping):
        raise InvalidEventError(f"expected a JSON object, got {type(event).__name__}")
    try:
        return TurnState.model_validate(event)
    except ValidationError as exc:
        fields = fields_at_fault(exc)
        raise InvalidEventError(f"invalid turn event: {fields}") from exc


class AsrStage:
    def __init__(self, recognizer: Recognizer, objects: ObjectStore | None, max_audio_bytes: int) -> None:
        self._recognizer = recognizer
        self._objects = objects
        self._max_audio_bytes = max_audio_bytes

    def audio_bytes(self, audio: AudioRef) -> bytes:
        if audio.b64 is not None:
            data = base64.b64decode(audio.b64)
        else:
            if self._objects is None:
                raise AudioDecodeError("audio.key given but this stage has no object store")
            assert audio.key is not None
            try:
                data = self._objects.get(audio.key)
            except NotFoundError as exc:
                raise AudioDecodeError(f"audio object {audio.key!r} does not exist") from exc
        if not data:
            raise AudioDecodeError("audio payload is empty")
        if len(data) > self._max_audio_bytes:
            raise AudioDecodeError(f"audio is {len(data)} bytes; the limit is {self._max_audio_bytes}")
        return data

    def handle(self, event: Any) -> dict[str, Any]:
        state = parse_state(event)
        data = self.audio_bytes(state.audio)
        result = self._recognizer.transcribe(data, state.audio.encoding, state.audio.sample_rate, state.lang)
        return result.model_dump(mode="json")


class IntentStage:
    def __init__(self, classifier: Classifier) -> None:
        self._classifier = classifier

    def handle(self, event: Any) -> dict[str, Any]:
        state = parse_state(event)
        if state.asr is None:
            raise InvalidEventError("invalid turn event: asr: the intent stage needs the ASR result")
        lang: Lang = state.lang or state.asr.lang
        return self._classifier.classify(state.asr.text, lang).model_dump(mode="json")


class ReplyStage:
    def __init__(self, engine: ReplyEngine) -> None:
        self._engine = engine

    def handle(self, event: Any) -> dict[str, Any]:
        return self._engine.respond(parse_state(event)).model_dump(mode="json")
