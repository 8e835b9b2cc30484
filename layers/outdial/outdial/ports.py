"""Ports: what the domain needs from the outside world. AWS and local adapters implement
them; the domain depends only on these protocols and never asks which one it got."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from outdial.models import CallRecord, TurnRecord


class CallStore(Protocol):
    """Calls and their turns (DynamoDB on AWS, SQLite locally)."""

    def put_call(self, call: CallRecord) -> None: ...
    def get_call(self, call_id: str) -> CallRecord: ...  # NotFoundError when absent
    def list_calls(
        self, campaign_id: str, limit: int = 100, after: str | None = None
    ) -> list[CallRecord]: ...
    def put_turn(self, turn: TurnRecord) -> None: ...
    def list_turns(self, call_id: str) -> list[TurnRecord]: ...


class ObjectStore(Protocol):
    """Blobs: audio, uploaded contact lists, reports (S3 on AWS, a directory locally)."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...
    def get(self, key: str) -> bytes: ...  # NotFoundError when absent
    def exists(self, key: str) -> bool: ...


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    body: dict[str, Any]
    receipt: str


class CampaignQueue(Protocol):
    """Dial attempts waiting to be placed (SQS on AWS, an in-process queue locally)."""

    def send(self, body: dict[str, Any], delay_seconds: int = 0) -> str: ...
    def receive(self, max_messages: int = 10) -> Sequence[QueueMessage]: ...
    def ack(self, message: QueueMessage) -> None: ...


class WorkflowRunner(Protocol):
    """Runs one call turn through the call-turn state machine and returns its output document.

    Step Functions (StartSyncExecution) on AWS; the ASL interpreter locally.
    """

    def run_turn(self, turn_input: dict[str, Any]) -> dict[str, Any]: ...


class Clock(Protocol):
    def now(self) -> datetime: ...  # timezone-aware UTC


class MetricsSink(Protocol):
    """Per-invocation measurements (EMF through powertools on AWS, a JSONL file locally)."""

    def record(
        self,
        name: str,
        value: float,
        unit: str,
        dimensions: dict[str, str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None: ...
