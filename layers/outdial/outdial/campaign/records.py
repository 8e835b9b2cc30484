"""What a campaign persists: the campaign, its contacts, their dial attempts and the dial log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from outdial.campaign.config import AttemptOutcome, CampaignConfig
from outdial.models import Slots
from pydantic import BaseModel, ConfigDict, Field

CampaignState = Literal["draft", "running", "paused", "cancelled", "completed"]
# draft -> running <-> paused; running/paused -> cancelled; running -> completed (nothing left to dial)
TRANSITIONS: dict[str, dict[CampaignState, frozenset[CampaignState]]] = {
    "start": {"running": frozenset({"draft"})},
    "pause": {"paused": frozenset({"running"})},
    "resume": {"running": frozenset({"paused"})},
    "cancel": {"cancelled": frozenset({"draft", "running", "paused"})},
    "complete": {"completed": frozenset({"running"})},
}

RefusalReason = Literal[
    "campaign_not_running",
    "campaign_cancelled",
    "outside_window",
    "quiet_day",
    "dnc",
    "no_consent",
    "frequency_cap",
    "max_attempts",
    "budget_exhausted",
    "no_timezone",
]
# Refusals that end the contact's attempts; the others postpone the attempt.
FINAL_REFUSALS: frozenset[RefusalReason] = frozenset(
    {"campaign_cancelled", "dnc", "no_consent", "max_attempts", "budget_exhausted", "no_timezone"}
)

AttemptStatus = Literal["scheduled", "queued", "dialling", "done", "refused"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImportSummary(_Record):
    rows: int = 0
    imported: int = 0
    rejected: int = 0
    duplicates: int = 0
    dnc_scrubbed: int = 0
    encoding: str = ""


class CampaignRecord(_Record):
    config: CampaignConfig
    state: CampaignState = "draft"
    created_at: datetime
    updated_at: datetime
    spent: float = 0.0
    last_import: ImportSummary | None = None

    @property
    def campaign_id(self) -> str:
        return self.config.campaign_id


class Contact(_Record):
    campaign_id: str
    contact_id: str
    phone: str  # E.164
    zones: list[str] = Field(min_length=1)  # the callee's possible IANA zones
    consent: bool = False
    fields: dict[str, str] = Field(default_factory=dict)  # script variables and extra columns
    row: int = 0  # line in the uploaded CSV


class Promise(_Record):
    date: str | None = None
    amount: float | None = None
    currency: str | None = None


class Attempt(_Record):
    campaign_id: str
    contact_id: str
    number: int = Field(ge=1)  # 1 for the first attempt
    phone: str
    due_at: datetime
    status: AttemptStatus = "scheduled"
    # Bumped whenever the attempt is re-queued, so a stale duplicate message is recognisable.
    generation: int = 0
    reason: str = "first"  # why it was scheduled: first, busy, callback...
    call_id: str | None = None
    outcome: AttemptOutcome | None = None
    refusal: RefusalReason | None = None
    promise: Promise | None = None
    callback_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    intents: list[str] = Field(default_factory=list)  # per-turn intents, in order

    @property
    def key(self) -> str:
        return attempt_key(self.campaign_id, self.contact_id, self.number)


def attempt_key(campaign_id: str, contact_id: str, number: int) -> str:
    return f"{campaign_id}:{contact_id}:{number:03d}"


class DialEvent(_Record):
    """One line of the dial log: a call placed, or a refusal to place it, with the reason."""

    campaign_id: str
    contact_id: str
    attempt: int
    phone: str
    at: datetime
    kind: Literal["dialled", "refused", "deferred"]
    reason: str | None = None
    detail: str | None = None


class DialMessage(_Record):
    """The SQS message body: which attempt to dial, and which generation of it."""

    campaign_id: str = Field(min_length=1, max_length=128)
    contact_id: str = Field(min_length=1, max_length=128)
    attempt: int = Field(ge=1)
    generation: int = Field(ge=0)

    @property
    def key(self) -> str:
        return attempt_key(self.campaign_id, self.contact_id, self.attempt)


class PlacementResult(_Record):
    """What placing a call produced. A PSTN placer that only starts the call returns
    outcome=None; the outcome then arrives through the call's turns."""

    call_id: str | None = None
    outcome: AttemptOutcome | None = None
    intents: list[str] = Field(default_factory=list)
    callback: Slots | None = None
    promise: Promise | None = None
    dnc_requested: bool = False


class Funnel(_Record):
    contacts: int = 0
    scheduled: int = 0
    dialled: int = 0
    connected: int = 0
    succeeded: int = 0
    attempts: int = 0
    outcomes: dict[str, int] = Field(default_factory=dict)
    refusals: dict[str, int] = Field(default_factory=dict)
    pending: int = 0


def iso(moment: datetime) -> str:
    """A fixed-width UTC timestamp: sorts as text in the same order as in time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_cursor(event: DialEvent) -> str:
    return f"{iso(event.at)}#{event.contact_id}#{event.attempt:03d}#{event.kind}#{event.reason or ''}"
