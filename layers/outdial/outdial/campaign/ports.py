"""Ports the campaign domain persists through (SQLite locally, DynamoDB on AWS) and places calls with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from outdial.campaign.records import (
    Attempt,
    AttemptStatus,
    CampaignRecord,
    CampaignState,
    Contact,
    DialEvent,
    PlacementResult,
)
from outdial.models import TurnRecord


class ConflictError(Exception):
    """A conditional write lost: the record changed since it was read (or already exists)."""


class AlreadyInProgressError(Exception):
    """Another execution holds this idempotency key right now; retry the message later."""


class CampaignStore(Protocol):
    def create_campaign(self, record: CampaignRecord) -> None: ...  # ConflictError when it exists
    def get_campaign(self, campaign_id: str) -> CampaignRecord: ...  # NotFoundError when absent
    def list_campaigns(self, limit: int, after: str | None = None) -> list[CampaignRecord]: ...
    def save_campaign(self, record: CampaignRecord) -> None: ...
    def set_state(
        self, campaign_id: str, new: CampaignState, allowed_from: frozenset[CampaignState], at: datetime
    ) -> CampaignRecord: ...  # ConflictError when the current state is not in allowed_from
    def charge(self, campaign_id: str, amount: float, cap: float | None) -> bool: ...  # False: over the cap

    def put_contacts(self, contacts: Sequence[Contact]) -> None: ...
    def get_contact(self, campaign_id: str, contact_id: str) -> Contact: ...
    def count_contacts(self, campaign_id: str) -> int: ...

    def add_attempt(self, attempt: Attempt) -> bool: ...  # False when that attempt already exists
    def get_attempt(self, campaign_id: str, contact_id: str, number: int) -> Attempt: ...
    def update_attempt(
        self, attempt: Attempt, expected_status: AttemptStatus, expected_generation: int
    ) -> None: ...  # ConflictError when the stored attempt moved on
    def due_attempts(self, campaign_id: str, until: datetime, limit: int) -> list[Attempt]: ...
    def stale_attempts(self, campaign_id: str, status: AttemptStatus, before: datetime) -> list[Attempt]: ...
    def list_attempts(
        self, campaign_id: str, limit: int, after: str | None = None, status: AttemptStatus | None = None
    ) -> list[Attempt]: ...
    def latest_attempt(self, campaign_id: str, contact_id: str) -> Attempt | None: ...
    def count_attempts(self, campaign_id: str) -> dict[str, int]: ...  # by status
    def has_pending(self, campaign_id: str) -> bool: ...  # any attempt scheduled, queued or dialling

    def log_event(self, event: DialEvent) -> None: ...
    def list_events(self, campaign_id: str, limit: int, after: str | None = None) -> list[DialEvent]: ...


class DncList(Protocol):
    """The global do-not-call list, E.164 numbers."""

    def add(self, phone: str, source: str, at: datetime) -> None: ...
    def remove(self, phone: str) -> bool: ...  # False when it was not listed
    def contains(self, phone: str) -> bool: ...
    def list(self, limit: int, after: str | None = None) -> list[tuple[str, str, datetime]]: ...


class DialLog(Protocol):
    """Dials per number across campaigns, for frequency caps."""

    def recent(self, phone: str, since: datetime) -> list[datetime]: ...
    def reserve(
        self, phone: str, at: datetime, since: datetime, cap: int
    ) -> bool: ...  # atomically: record a dial at `at` unless `cap` dials already happened after `since`


class Pacer(Protocol):
    """Per-campaign pacing: calls per minute and calls in flight."""

    def acquire(self, campaign_id: str, at: datetime, per_minute: int, max_concurrent: int) -> bool: ...
    def release(self, campaign_id: str) -> None: ...


class IdempotencyStore(Protocol):
    """Runs `action` once per key; a repeat (a redelivered message, a retried Lambda) gets the
    first result back instead of running it again."""

    def run_once(self, key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]: ...


class CallPlacer(Protocol):
    """Places one call for an attempt (the simulated callee locally; a PSTN adapter on AWS)."""

    def place(self, campaign: CampaignRecord, contact: Contact, attempt: Attempt) -> PlacementResult: ...


class CallReader(Protocol):
    """The turns of a call (the CallStore satisfies it)."""

    def list_turns(self, call_id: str) -> list[TurnRecord]: ...
