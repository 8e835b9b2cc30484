"""The HTTP API over a real CallService (SQLite, files) with a scripted workflow."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from outdial.adapters.local import FsObjectStore, SqliteCallStore
from outdial.api.app import create_app
from outdial.calls import CallService
from outdial.script import ScriptCatalog

from tests.fakes import FixedClock, ScriptedWorkflow

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CONTEXT = {"name": "Jordan", "insurer": "Harbor Mutual", "premium": "842", "expiry_date": "December 15"}


def ending_turn(turn: dict[str, Any]) -> dict[str, Any]:
    return turn | {
        "asr": {
            "text": "stop calling me",
            "lang": "en",
            "audio_ms": 900,
            "speech_ms": 700,
            "compute_ms": 100,
        },
        "nlu": {"intent": "do_not_call", "confidence": 0.97, "compute_ms": 4},
        "reply": {
            "text": "Understood.",
            "ssml": "<speak/>",
            "lang": "en",
            "node_id": "end_dnc",
            "source": "script",
            "end_call": True,
            "outcome": "dnc",
            "compute_ms": 2,
        },
    }


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    service = CallService(
        store=SqliteCallStore(tmp_path / "db"),
        workflow=ScriptedWorkflow([ending_turn] * 5),
        objects=FsObjectStore(tmp_path / "o"),
        catalog=ScriptCatalog.from_dirs(),
        clock=FixedClock(),
    )
    return TestClient(create_app(service, api_token=TOKEN, max_audio_bytes=50_000))


def start_call(client: TestClient, **override: Any) -> Any:
    body = {
        "campaign_id": "camp-1",
        "contact_id": "en-001",
        "phone": "+14155550101",
        "script_id": "en-insurance-renewal",
        "lang": "en-US",
        "context": CONTEXT,
    } | override
    return client.post("/calls", json=body, headers=AUTH)


def test_routes_require_the_token(client: TestClient) -> None:
    assert client.post("/calls", json={}).status_code == 401
    assert client.post("/calls", json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "outdial"


def test_a_call_from_opening_to_outcome(client: TestClient) -> None:
    created = start_call(client)
    assert created.status_code == 201
    call_id = created.json()["call"]["call_id"]
    assert created.json()["opening"]["text"].startswith("Hi, this is the virtual assistant")
    audio = base64.b64encode(b"\xff" * 4000).decode()
    turn = client.post(f"/calls/{call_id}/turns", json={"audio_b64": audio}, headers=AUTH)
    assert turn.status_code == 200 and turn.json()["intent"] == "do_not_call"
    detail = client.get(f"/calls/{call_id}", headers=AUTH).json()
    assert detail["call"]["outcome"] == "dnc" and len(detail["turns"]) == 1
    again = client.post(f"/calls/{call_id}/turns", json={"audio_b64": audio}, headers=AUTH)
    assert again.status_code == 409
    page = client.get("/campaigns/camp-1/calls", headers=AUTH).json()
    assert [c["call_id"] for c in page["items"]] == [call_id]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"lang": "fr"}, "lang"),
        ({"script_id": "nope"}, "nope"),
        ({"context": {"name": "x"}}, "context"),
        ({"campaign_id": "has spaces"}, "campaign_id"),
    ],
)
def test_bad_call_requests_are_4xx_naming_the_field(
    client: TestClient, override: dict[str, Any], field: str
) -> None:
    response = start_call(client, **override)
    assert response.status_code == 422 and field in response.text


def test_bad_turn_requests_are_4xx_naming_the_field(client: TestClient) -> None:
    call_id = start_call(client).json()["call"]["call_id"]
    url = f"/calls/{call_id}/turns"
    bad_b64 = client.post(url, json={"audio_b64": "***"}, headers=AUTH)
    assert bad_b64.status_code == 422 and "audio_b64" in bad_b64.text
    rate = client.post(url, json={"audio_b64": "AAAA", "sample_rate": 44100}, headers=AUTH)
    assert rate.status_code == 422 and "sample_rate" in rate.text
    huge = client.post(url, json={"audio_b64": "A" * 200_000}, headers=AUTH)
    assert huge.status_code == 413
    assert client.post("/calls/unknown/turns", json={"audio_b64": "AAAA"}, headers=AUTH).status_code == 404
    # Nothing already accepted was lost: the call is still there, with no turn recorded.
    assert client.get(f"/calls/{call_id}", headers=AUTH).json()["turns"] == []
