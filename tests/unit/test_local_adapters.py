from __future__ import annotations

from pathlib import Path

import pytest
from outdial.adapters.local import FsObjectStore, InProcessQueue, JsonlMetricsSink, SqliteCallStore
from outdial.errors import InvalidEventError, NotFoundError
from outdial.models import CallRecord


def call(i: int, campaign: str = "k") -> CallRecord:
    return CallRecord(
        call_id=f"c{i:03d}",
        campaign_id=campaign,
        contact_id=f"p{i}",
        phone="+14155550100",
        lang="en",
        script_id="s",
        node_id="greet",
        started_at=f"2026-11-24T09:00:{i:02d}+00:00",
    )


def test_sqlite_store_paginates_by_campaign_and_survives_reopen(tmp_path: Path) -> None:
    store = SqliteCallStore(tmp_path / "x.db")
    for i in range(5):
        store.put_call(call(i))
    store.put_call(call(9, campaign="other"))
    store.close()
    store = SqliteCallStore(tmp_path / "x.db")
    first = store.list_calls("k", limit=2)
    rest = store.list_calls("k", limit=10, after=first[-1].call_id)
    assert [c.call_id for c in first + rest] == ["c000", "c001", "c002", "c003", "c004"]
    with pytest.raises(NotFoundError):
        store.get_call("nope")


def test_object_store_round_trips_and_refuses_keys_outside_its_root(tmp_path: Path) -> None:
    objects = FsObjectStore(tmp_path / "o")
    objects.put("campaigns/a/contacts.csv", b"x,y\n")
    assert objects.get("campaigns/a/contacts.csv") == b"x,y\n" and objects.exists("campaigns/a/contacts.csv")
    for key in ("../escape", "/etc/passwd", "a/../../b"):
        with pytest.raises(InvalidEventError):
            objects.put(key, b"")
    with pytest.raises(NotFoundError):
        objects.get("missing")


def test_queue_honours_delay_visibility_and_ack() -> None:
    now = [0.0]
    queue = InProcessQueue(clock=lambda: now[0], visibility_seconds=30)
    queue.send({"n": 1})
    queue.send({"n": 2}, delay_seconds=60)
    [first] = queue.receive()
    assert first.body == {"n": 1} and queue.receive() == []
    now[0] = 31  # not acked within the visibility timeout: delivered again
    [again] = queue.receive()
    assert again.message_id == first.message_id
    queue.ack(again)
    now[0] = 61
    [delayed] = queue.receive()
    assert delayed.body == {"n": 2}
    queue.ack(delayed)
    assert len(queue) == 0


def test_metrics_sink_appends_json_lines(tmp_path: Path) -> None:
    sink = JsonlMetricsSink(tmp_path / "m.jsonl")
    sink.record("ModelComputeMs", 12.5, "Milliseconds", {"stage": "asr"}, {"call_id": "c1"})
    sink.record("ModelComputeMs", 3.0, "Milliseconds")
    lines = (tmp_path / "m.jsonl").read_text().splitlines()
    assert len(lines) == 2 and '"call_id": "c1"' in lines[0]
