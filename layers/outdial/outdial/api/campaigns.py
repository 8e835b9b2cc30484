"""Campaign, DNC, filtered-calls and report routes: an APIRouter the app includes.

Auth and the global body cap come from the app's middleware; this router adds its own limits
(contacts CSV size, audio object size), cursor pagination, and 4xx errors that name the field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from outdial.calls import CallService
from outdial.campaign.config import CAMPAIGN_ID_PATTERN, CampaignConfig
from outdial.campaign.contacts import ImportReport
from outdial.campaign.phones import PhoneError
from outdial.campaign.ports import ConflictError
from outdial.campaign.records import Attempt, AttemptStatus, CampaignRecord, Funnel, ImportSummary
from outdial.campaign.service import CampaignService
from outdial.models import AudioEncoding, CallOutcome, CallRecord, TurnRecord
from outdial.ports import ObjectStore

CampaignId = Annotated[str, Path(pattern=CAMPAIGN_ID_PATTERN, max_length=128)]
PhonePath = Annotated[str, Path(min_length=3, max_length=32, description="E.164, or national for the region")]
Limit = Annotated[int, Query(ge=1, le=200)]
After = Annotated[str | None, Query(max_length=256)]
Region = Annotated[str, Query(pattern=r"^[A-Z]{2}$", description="region for numbers without +country")]
Action = Literal["start", "pause", "resume", "cancel"]
CallStatus = Literal["in_progress", "completed", "failed"]
MAX_SCAN_PAGES = 20  # a filtered call listing reads at most this many store pages per request


class CampaignPage(BaseModel):
    items: list[CampaignRecord]
    next_after: str | None


class AttemptPage(BaseModel):
    items: list[Attempt]
    next_after: str | None


class CallPage(BaseModel):
    items: list[CallRecord]
    next_after: str | None


class CampaignReport(BaseModel):
    campaign: CampaignRecord
    funnel: Funnel
    last_import: ImportSummary | None


class DncEntry(BaseModel):
    phone: str
    listed: bool
    source: str | None = None


class DncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(default="api", max_length=200)


class DncPage(BaseModel):
    items: list[DncEntry]
    next_after: str | None


class ObjectTurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(
        min_length=1,
        max_length=1024,
        pattern=r"^(?:[\w.-]+/)*[\w.-]+$",
        description="object-store (S3) key of the caller audio",
    )
    encoding: AudioEncoding = "mulaw"
    sample_rate: Literal[8000, 16000] = 8000

    @field_validator("key")
    @classmethod
    def _short_segments(cls, value: str) -> str:
        if any(len(segment) > 255 for segment in value.split("/")):
            raise ValueError("key: a path segment is longer than 255 characters")
        return value


def _conflict(exc: ConflictError) -> HTTPException:
    return HTTPException(409, detail=str(exc))


def build_router(
    campaigns: CampaignService,
    calls: CallService,
    objects: ObjectStore,
    max_audio_bytes: int,
    max_contacts_bytes: int = 5_000_000,
) -> APIRouter:
    router = APIRouter()

    @router.post("/campaigns", status_code=201, tags=["campaigns"])
    def create_campaign(body: CampaignConfig) -> CampaignRecord:
        try:
            return campaigns.create(body)
        except ConflictError as exc:
            raise _conflict(exc) from exc

    @router.get("/campaigns", tags=["campaigns"])
    def list_campaigns(limit: Limit = 50, after: After = None) -> CampaignPage:
        items = campaigns.list_campaigns(limit, after)
        return CampaignPage(items=items, next_after=items[-1].campaign_id if len(items) == limit else None)

    @router.get("/campaigns/{campaign_id}", tags=["campaigns"])
    def get_campaign(campaign_id: CampaignId) -> CampaignRecord:
        return campaigns.get(campaign_id)

    @router.put(
        "/campaigns/{campaign_id}/contacts",
        tags=["campaigns"],
        openapi_extra={
            "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
        },
    )
    async def upload_contacts(campaign_id: CampaignId, request: Request) -> ImportReport:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_contacts_bytes:
            raise HTTPException(413, detail=f"body: contacts CSV larger than {max_contacts_bytes} bytes")
        data = await request.body()
        if len(data) > max_contacts_bytes:
            raise HTTPException(413, detail=f"body: contacts CSV larger than {max_contacts_bytes} bytes")
        if not data.strip():
            raise HTTPException(422, detail="body: the contacts CSV is empty")
        try:
            return campaigns.import_contacts(campaign_id, data)
        except ConflictError as exc:
            raise _conflict(exc) from exc

    @router.post("/campaigns/{campaign_id}/{action}", tags=["campaigns"])
    def steer_campaign(campaign_id: CampaignId, action: Action) -> CampaignRecord:
        try:
            return campaigns.transition(campaign_id, action)
        except ConflictError as exc:
            raise _conflict(exc) from exc

    @router.get("/campaigns/{campaign_id}/report", tags=["campaigns"])
    def campaign_report(campaign_id: CampaignId) -> CampaignReport:
        record = campaigns.get(campaign_id)
        return CampaignReport(
            campaign=record, funnel=campaigns.funnel(campaign_id), last_import=record.last_import
        )

    @router.get("/campaigns/{campaign_id}/attempts", tags=["campaigns"])
    def list_attempts(
        campaign_id: CampaignId, limit: Limit = 50, after: After = None, status: AttemptStatus | None = None
    ) -> AttemptPage:
        items = campaigns.attempts(campaign_id, limit, after, status)
        return AttemptPage(items=items, next_after=items[-1].key if len(items) == limit else None)

    @router.get("/calls", tags=["calls"])
    def list_calls(
        campaign_id: Annotated[str, Query(pattern=CAMPAIGN_ID_PATTERN, max_length=128)],
        outcome: CallOutcome | None = None,
        status: CallStatus | None = None,
        contact_id: Annotated[str | None, Query(max_length=128)] = None,
        limit: Limit = 50,
        after: Annotated[str | None, Query(max_length=128)] = None,
    ) -> CallPage:
        """Calls of a campaign, filtered; `next_after` continues the scan where this page stopped."""
        found: list[CallRecord] = []
        cursor = after
        for _ in range(MAX_SCAN_PAGES):
            page = calls.list_calls(campaign_id, limit=200, after=cursor)
            for call in page:
                cursor = call.call_id
                if (
                    (outcome is None or call.outcome == outcome)
                    and (status is None or call.status == status)
                    and (contact_id is None or call.contact_id == contact_id)
                ):
                    found.append(call)
                    if len(found) == limit:
                        return CallPage(items=found, next_after=cursor)
            if len(page) < 200:
                return CallPage(items=found, next_after=None)
        return CallPage(items=found, next_after=cursor)

    @router.get("/calls/{call_id}/turns", tags=["calls"])
    def list_turns(call_id: Annotated[str, Path(max_length=128)]) -> list[TurnRecord]:
        calls.get_call(call_id)  # 404 for an unknown call
        return calls.list_turns(call_id)

    @router.post("/calls/{call_id}/turns/from-object", tags=["calls"])
    def post_turn_from_object(
        call_id: Annotated[str, Path(max_length=128)], body: ObjectTurnRequest
    ) -> TurnRecord:
        """A turn whose audio is already in the bucket (S3 key) rather than in the request."""
        calls.get_call(call_id)  # 404 before any object is read
        audio = objects.get(body.key)
        if len(audio) > max_audio_bytes:
            raise HTTPException(413, detail=f"key: audio object larger than {max_audio_bytes} bytes")
        return calls.take_turn(call_id, audio, body.encoding, body.sample_rate)

    @router.get("/dnc", tags=["dnc"])
    def list_dnc(limit: Limit = 50, after: After = None) -> DncPage:
        rows = campaigns.dnc_list(limit, after)
        items = [DncEntry(phone=p, listed=True, source=s) for p, s, _ in rows]
        return DncPage(items=items, next_after=items[-1].phone if len(items) == limit else None)

    @router.get("/dnc/{phone}", tags=["dnc"])
    def check_dnc(phone: PhonePath, region: Region = "US") -> DncEntry:
        try:
            normalised, listed = campaigns.dnc_check(phone, region)
        except PhoneError as exc:
            raise HTTPException(422, detail=f"phone: {exc}") from exc
        return DncEntry(phone=normalised, listed=listed)

    @router.put("/dnc/{phone}", tags=["dnc"])
    def add_dnc(phone: PhonePath, body: DncRequest | None = None, region: Region = "US") -> DncEntry:
        source = body.source if body else "api"
        try:
            normalised = campaigns.dnc_add(phone, source, region)
        except PhoneError as exc:
            raise HTTPException(422, detail=f"phone: {exc}") from exc
        return DncEntry(phone=normalised, listed=True, source=source)

    @router.delete("/dnc/{phone}", tags=["dnc"])
    def remove_dnc(phone: PhonePath, region: Region = "US") -> DncEntry:
        try:
            normalised, removed = campaigns.dnc_remove(phone, region)
        except PhoneError as exc:
            raise HTTPException(422, detail=f"phone: {exc}") from exc
        if not removed:
            raise HTTPException(404, detail=f"phone: {normalised} is not on the do-not-call list")
        return DncEntry(phone=normalised, listed=False)

    return router
