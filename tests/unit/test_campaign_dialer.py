"""The dialer end to end on local adapters: gates at dial time, redelivery, outcomes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from outdial.adapters.local import FsObjectStore, InProcessQueue
from outdial.campaign.config import AttemptOutcome, CampaignConfig
from outdial.campaign.local_store import (
    SqliteCampaignDb,
    SqliteCampaignStore,
    SqliteDialLog,
    SqliteDncList,
    SqliteIdempotencyStore,
    SqlitePacer,
)
from outdial.campaign.ports import AlreadyInProgressError, CallReader
from outdial.campaign.records import Attempt, CampaignRecord, Contact, PlacementResult
from outdial.campaign.runner import LocalCampaignRunner, SimulatedClock
from outdial.campaign.service import CampaignService
from outdial.models import CallRecord, Intent, Slots, TurnRecord
from outdial.script import ScriptCatalog

HEADER = "contact_id,phone,name,insurer,premium,expiry_date"


@dataclass
class Dial:
    key: str
    phone: str
    at: datetime
    zones: list[str]


@dataclass
class RecordingPlacer:
    """A CallPlacer fake: records every dial and answers with a scripted outcome."""

    clock: SimulatedClock
    outcome: Callable[[Contact, Attempt], PlacementResult]
    dials: list[Dial] = field(default_factory=list)

    def place(self, campaign: CampaignRecord, contact: Contact, attempt: Attempt) -> PlacementResult:
        self.dials.append(Dial(attempt.key, contact.phone, self.clock.now(), contact.zones))
        return self.outcome(contact, attempt)


class TripleDeliveryQueue(InProcessQueue):
    """Every message is delivered three times, as an at-least-once queue may do."""

    def send(self, body: dict[str, Any], delay_seconds: int = 0) -> str:
        for _ in range(2):
            super().send(body, delay_seconds)
        return super().send(body, delay_seconds)


@dataclass
class Harness:
    service: CampaignService
    queue: InProcessQueue
    clock: SimulatedClock
    placer: RecordingPlacer
    dnc: SqliteDncList
    store: SqliteCampaignStore

    def run(self, campaign_id: str, days: int = 30) -> LocalCampaignRunner:
        runner = LocalCampaignRunner(self.service, self.queue, self.clock)
        runner.run(campaign_id, timedelta(days=days))
        return runner


def outcome_of(outcome: AttemptOutcome, **extra: Any) -> Callable[[Contact, Attempt], PlacementResult]:
    def answer(contact: Contact, attempt: Attempt) -> PlacementResult:
        return PlacementResult(call_id=f"call-{attempt.key}", outcome=outcome, **extra)

    return answer


def harness(
    tmp_path: Path,
    outcome: Callable[[Contact, Attempt], PlacementResult],
    start: datetime = datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
    queue_type: type[InProcessQueue] = InProcessQueue,
    calls: CallReader | None = None,
) -> Harness:
    clock = SimulatedClock(start)
    db = SqliteCampaignDb(tmp_path / "campaigns.db")
    queue = queue_type(clock=clock.monotonic)
    placer = RecordingPlacer(clock, outcome)
    store, dnc = SqliteCampaignStore(db), SqliteDncList(db)
    service = CampaignService(
        store=store,
        dnc=dnc,
        dial_log=SqliteDialLog(db),
        pacer=SqlitePacer(db),
        idempotency=SqliteIdempotencyStore(db),
        placer=placer,
        queue=queue,
        objects=FsObjectStore(tmp_path / "objects"),
        clock=clock,
        catalog=ScriptCatalog.from_dirs(),
        calls=calls,
    )
    return Harness(service, queue, clock, placer, dnc, store)


def config(**override: Any) -> CampaignConfig:
    base: dict[str, Any] = {"campaign_id": "renewals", "script_id": "en-insurance-renewal", "lang": "en"}
    return CampaignConfig.model_validate(base | override)


def csv_of(phones: list[str]) -> bytes:
    rows = [f"c{i:05d},{p},Pat,Harbor,100,Dec 1" for i, p in enumerate(phones)]
    return "\n".join([HEADER, *rows]).encode()


US_PHONES = ["+12125550100", "+13125550101", "+13035550102", "+14155550103", "+18085550104"]


def test_every_message_delivered_three_times_dials_each_attempt_once(tmp_path: Path) -> None:
    h = harness(tmp_path, outcome_of("busy"), queue_type=TripleDeliveryQueue)
    h.service.create(config(max_attempts=3, retry_minutes={"busy": 30}))
    h.service.import_contacts("renewals", csv_of(US_PHONES))
    runner = h.run("renewals")
    per_attempt = Counter(d.key for d in h.placer.dials)
    assert len(per_attempt) == len(US_PHONES) * 3  # three attempts each (busy, busy, busy)
    assert set(per_attempt.values()) == {1}
    assert sum(1 for r in runner.results if r.kind == "duplicate") >= 2 * len(per_attempt)
    assert h.service.get("renewals").state == "completed"


def test_a_concurrent_duplicate_is_held_off_while_the_first_dials(tmp_path: Path) -> None:
    db = SqliteCampaignDb(tmp_path / "idem.db")
    store = SqliteIdempotencyStore(db)
    ran: list[str] = []

    def first() -> dict[str, Any]:
        with pytest.raises(AlreadyInProgressError):
            store.run_once("k", lambda: ran.append("second") or {})  # type: ignore[func-returns-value]
        ran.append("first")
        return {"n": 1}

    assert store.run_once("k", first) == {"n": 1}
    assert store.run_once("k", lambda: {"n": 2}) == {"n": 1}
    assert ran == ["first"]


def test_dnc_added_between_scheduling_and_dialling_stops_the_dial(tmp_path: Path) -> None:
    h = harness(tmp_path, outcome_of("converted"))
    h.service.create(config())
    h.service.import_contacts("renewals", csv_of(US_PHONES[:2]))
    h.service.dnc_add(US_PHONES[0], "test")
    h.run("renewals")
    assert [d.phone for d in h.placer.dials] == [US_PHONES[1]]
    assert h.service.funnel("renewals").refusals == {"dnc": 1}


def test_a_do_not_call_outcome_lists_the_number_at_once(tmp_path: Path) -> None:
    h = harness(tmp_path, outcome_of("dnc", dnc_requested=True))
    h.service.create(config())
    h.service.import_contacts("renewals", csv_of(US_PHONES[:1]))
    h.run("renewals")
    assert h.dnc.contains(US_PHONES[0]) and len(h.placer.dials) == 1


def test_callback_is_dialled_at_the_requested_local_time(tmp_path: Path) -> None:
    calls = iter(
        [
            PlacementResult(outcome="callback", callback=Slots(date="2026-11-25", time="15:00")),
            PlacementResult(outcome="converted"),
        ]
    )
    h = harness(tmp_path, lambda c, a: next(calls))
    h.service.create(config())
    h.service.import_contacts("renewals", csv_of(["+12125550100"]))  # New York
    h.run("renewals")
    second = h.placer.dials[1].at
    assert second == datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 15:00 EST
    assert h.service.funnel("renewals").succeeded == 1


def test_pause_stops_dialling_and_resume_continues(tmp_path: Path) -> None:
    h = harness(tmp_path, outcome_of("converted"), start=datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    h.service.create(config(pacing={"max_concurrent": 1, "calls_per_minute": 1}))
    h.service.import_contacts("renewals", csv_of(US_PHONES[:3]))
    h.service.transition("renewals", "pause")
    h.run("renewals")
    assert h.placer.dials == []
    h.service.transition("renewals", "resume")
    h.run("renewals")
    assert len(h.placer.dials) == 3
    minutes = [d.at.replace(second=0, microsecond=0) for d in h.placer.dials]
    assert len(set(minutes)) == 3  # one call per minute: pacing held


def test_budget_cap_refuses_once_spent(tmp_path: Path) -> None:
    h = harness(tmp_path, outcome_of("converted"), start=datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    h.service.create(config(budget_cap=0.25, cost_per_dial=0.1))
    h.service.import_contacts("renewals", csv_of(US_PHONES))
    h.run("renewals")
    assert len(h.placer.dials) == 2
    assert h.service.funnel("renewals").refusals == {"budget_exhausted": 3}


def test_frequency_cap_holds_across_campaigns(tmp_path: Path) -> None:
    h = harness(tmp_path, outcome_of("no_answer"), start=datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    for name in ("a", "b"):
        h.service.create(
            config(
                campaign_id=name,
                max_attempts=3,
                retry_minutes={"no_answer": 60},
                frequency_cap={"attempts": 3, "days": 7},
            )
        )
        h.service.import_contacts(name, csv_of(["+12125550100"]))
    h.run("a")
    h.run("b")
    times = sorted(d.at for d in h.placer.dials)
    for i, at in enumerate(times):
        assert sum(1 for t in times[: i + 1] if at - t < timedelta(days=7)) <= 3
    assert len(times) == 6  # both campaigns finish, the second one a week later


class TurnsReader:
    def __init__(self, turns: list[TurnRecord]) -> None:
        self.turns = turns

    def list_turns(self, call_id: str) -> list[TurnRecord]:
        return self.turns


def test_an_asynchronous_call_is_completed_by_the_turn_hook(tmp_path: Path) -> None:
    reader = TurnsReader([])
    start = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    h = harness(
        tmp_path, lambda c, a: PlacementResult(call_id="call-1"), start, calls=reader
    )  # outcome later
    h.service.create(config())
    h.service.import_contacts("renewals", csv_of(US_PHONES[:1]))
    LocalCampaignRunner(h.service, h.queue, h.clock).run("renewals", timedelta(minutes=5))
    (attempt,) = h.store.list_attempts("renewals", 10)
    assert attempt.status == "dialling" and attempt.call_id == "call-1"
    turn = TurnRecord(
        call_id="call-1",
        turn_id="t0",
        turn_index=0,
        campaign_id="renewals",
        node_before="greet",
        node_after="end_dnc",
        lang="en",
        transcript="stop calling me",
        intent=Intent.DO_NOT_CALL,
        confidence=0.9,
        slots=Slots(),
        reply_text="ok",
        reply_source="script",
        fallback=False,
        error=None,
        error_cause=None,
        timings_ms={},
        started_at="2026-11-24T15:00:00+00:00",
        outcome="dnc",
        end_call=True,
    )
    call = CallRecord(
        call_id="call-1",
        campaign_id="renewals",
        contact_id=attempt.contact_id,
        phone=attempt.phone,
        lang="en",
        script_id="en-insurance-renewal",
        node_id="end_dnc",
        started_at="x",
        status="completed",
        outcome="dnc",
    )
    reader.turns.append(turn)
    h.service.on_turn(call, turn)
    (done,) = h.store.list_attempts("renewals", 10)
    assert done.status == "done" and done.outcome == "dnc" and done.intents == ["do_not_call"]
    assert h.dnc.contains(attempt.phone)
