"""The campaign routes over real local adapters (SQLite, files), with a scripted workflow and a
recording placer; then schemathesis drives the whole OpenAPI schema and no request may 5xx."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from outdial.adapters.local import FsObjectStore, InProcessQueue, SqliteCallStore
from outdial.api.app import create_app
from outdial.api.campaigns import build_router
from outdial.calls import CallService
from outdial.campaign.local_store import (
    SqliteCampaignDb,
    SqliteCampaignStore,
    SqliteDialLog,
    SqliteDncList,
    SqliteIdempotencyStore,
    SqlitePacer,
)
from outdial.campaign.records import Attempt, CampaignRecord, Contact, PlacementResult
from outdial.campaign.runner import SimulatedClock
from outdial.campaign.service import CampaignService
from outdial.script import ScriptCatalog

from tests.fakes import FixedClock, ScriptedWorkflow
from tests.functional.test_api import ending_turn

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONFIG = {"campaign_id": "renew-1", "script_id": "en-insurance-renewal", "lang": "en-US"}
CSV = (
    "contact_id,phone,name,insurer,premium,expiry_date\n"
    "en-001,+14155550101,Jordan,Harbor Mutual,842,Dec 15\n"
    "en-002,not-a-number,Avery,Harbor Mutual,1210,Dec 20\n"
    'en-003,+12125550103,"=HYPERLINK(""http://x"")",Harbor Mutual,690,Jan 3\n'
)


class ConvertingPlacer:
    def place(self, campaign: CampaignRecord, contact: Contact, attempt: Attempt) -> PlacementResult:
        return PlacementResult(call_id=f"call-{attempt.key}", outcome="converted")


def build_app(tmp_path: Path) -> FastAPI:
    objects = FsObjectStore(tmp_path / "objects")
    calls = CallService(
        store=SqliteCallStore(tmp_path / "calls.db"),
        workflow=ScriptedWorkflow([ending_turn] * 1000),
        objects=objects,
        catalog=ScriptCatalog.from_dirs(),
        clock=FixedClock(),
    )
    clock = SimulatedClock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    db = SqliteCampaignDb(tmp_path / "campaigns.db")
    campaigns = CampaignService(
        store=SqliteCampaignStore(db),
        dnc=SqliteDncList(db),
        dial_log=SqliteDialLog(db),
        pacer=SqlitePacer(db),
        idempotency=SqliteIdempotencyStore(db),
        placer=ConvertingPlacer(),
        queue=InProcessQueue(clock.monotonic),
        objects=objects,
        clock=clock,
        catalog=ScriptCatalog.from_dirs(),
        calls=SqliteCallStore(tmp_path / "calls.db"),
    )
    app = create_app(calls, api_token=TOKEN, max_audio_bytes=50_000)
    app.include_router(
        build_router(campaigns, calls, objects, max_audio_bytes=50_000, max_contacts_bytes=20_000)
    )
    return app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(build_app(tmp_path))


def test_campaign_lifecycle_over_http(client: TestClient) -> None:
    assert client.post("/campaigns", json=CONFIG).status_code == 401
    created = client.post("/campaigns", json=CONFIG | {"start_on_upload": False}, headers=AUTH)
    assert created.status_code == 201 and created.json()["state"] == "draft"
    assert client.post("/campaigns", json=CONFIG, headers=AUTH).status_code == 409
    upload = client.put(
        "/campaigns/renew-1/contacts", content=CSV.encode(), headers=AUTH | {"content-type": "text/csv"}
    )
    assert upload.status_code == 200
    report = upload.json()
    assert report["summary"]["imported"] == 1
    assert {(p["row"], p["field"]) for p in report["problems"]} == {(3, "phone"), (4, "name")}
    assert client.post("/campaigns/renew-1/start", headers=AUTH).json()["state"] == "running"
    again = client.post("/campaigns/renew-1/start", headers=AUTH)
    assert again.status_code == 409 and "state" in again.text
    assert client.post("/campaigns/renew-1/pause", headers=AUTH).json()["state"] == "paused"
    attempts = client.get("/campaigns/renew-1/attempts", headers=AUTH).json()
    assert [a["contact_id"] for a in attempts["items"]] == ["en-001"]
    funnel = client.get("/campaigns/renew-1/report", headers=AUTH).json()
    assert funnel["funnel"]["contacts"] == 1 and funnel["last_import"]["rejected"] == 2
    assert client.post("/campaigns/renew-1/cancel", headers=AUTH).json()["state"] == "cancelled"
    page = client.get("/campaigns", params={"limit": 1}, headers=AUTH).json()
    assert [c["config"]["campaign_id"] for c in page["items"]] == ["renew-1"] and page[
        "next_after"
    ] == "renew-1"


def test_dnc_routes_normalise_and_name_the_field(client: TestClient) -> None:
    added = client.put("/dnc/(415) 555-0101", headers=AUTH)
    assert added.status_code == 200 and added.json()["phone"] == "+14155550101"
    assert client.get("/dnc/+14155550101", headers=AUTH).json()["listed"] is True
    assert [e["phone"] for e in client.get("/dnc", headers=AUTH).json()["items"]] == ["+14155550101"]
    assert client.delete("/dnc/+14155550101", headers=AUTH).json()["listed"] is False
    assert client.delete("/dnc/+14155550101", headers=AUTH).status_code == 404
    bad = client.get("/dnc/12345", headers=AUTH)
    assert bad.status_code == 422 and "phone" in bad.text


def test_requests_over_the_limits_are_refused_naming_the_field(client: TestClient) -> None:
    client.post("/campaigns", json=CONFIG, headers=AUTH)
    big = client.put("/campaigns/renew-1/contacts", content=b"x" * 30_000, headers=AUTH)
    assert big.status_code == 413 and "body" in big.text
    bad = client.post("/campaigns", json=CONFIG | {"max_attempts": 0, "campaign_id": "x2"}, headers=AUTH)
    assert bad.status_code == 422 and "max_attempts" in bad.text
    unknown = client.post(
        "/campaigns", json=CONFIG | {"script_id": "nope", "campaign_id": "x3"}, headers=AUTH
    )
    assert unknown.status_code == 422 and "nope" in unknown.text


def test_calls_listing_filters_by_outcome(client: TestClient) -> None:
    body = {
        "campaign_id": "renew-1",
        "contact_id": "en-001",
        "phone": "+14155550101",
        "script_id": "en-insurance-renewal",
        "lang": "en",
        "context": {"name": "J", "insurer": "H", "premium": "1", "expiry_date": "D"},
    }
    call_ids = [client.post("/calls", json=body, headers=AUTH).json()["call"]["call_id"] for _ in range(3)]
    client.post(f"/calls/{call_ids[0]}/turns", json={"audio_b64": "/////w=="}, headers=AUTH)
    dnc = client.get("/calls", params={"campaign_id": "renew-1", "outcome": "dnc"}, headers=AUTH).json()
    assert [c["call_id"] for c in dnc["items"]] == [call_ids[0]]
    live = client.get(
        "/calls", params={"campaign_id": "renew-1", "status": "in_progress", "limit": 1}, headers=AUTH
    )
    assert len(live.json()["items"]) == 1 and live.json()["next_after"] is not None


SCHEMA_APP = build_app(Path(__import__("tempfile").mkdtemp(prefix="outdial-schemathesis-")))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", SCHEMA_APP)


@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_the_schema_allows_makes_the_server_fail(case: Any) -> None:
    response = case.call(headers=AUTH)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    )
