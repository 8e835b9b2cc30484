"""The campaign domain: create and steer campaigns, import contacts, schedule, dial, record outcomes.

Every entry point (the three Lambdas, the API, `outdial campaign run`) calls this service; it
sees only ports, never which backend it runs on.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from outdial.campaign.compliance import DialFacts, Refused, may_dial, next_opening
from outdial.campaign.config import AttemptOutcome, CampaignConfig, parse_config
from outdial.campaign.contacts import ImportReport, import_contacts
from outdial.campaign.phones import to_e164
from outdial.campaign.ports import (
    CallPlacer,
    CallReader,
    CampaignStore,
    ConflictError,
    DialLog,
    DncList,
    IdempotencyStore,
    Pacer,
)
from outdial.campaign.records import (
    FINAL_REFUSALS,
    TRANSITIONS,
    Attempt,
    AttemptStatus,
    CampaignRecord,
    Contact,
    DialEvent,
    DialMessage,
    Funnel,
    PlacementResult,
    Promise,
    event_cursor,
)
from outdial.campaign.redial import next_attempt
from outdial.errors import InvalidEventError, NotFoundError
from outdial.models import CallRecord, Intent, Slots, TurnRecord
from outdial.ports import CampaignQueue, Clock, ObjectStore
from outdial.script import ScriptCatalog

CONTACTS_KEY = re.compile(r"^campaigns/(?P<campaign>[A-Za-z0-9][\w.-]{0,127})/contacts\.csv$")
CONFIG_NAMES = ("campaign.yaml", "campaign.yml", "campaign.json")
MAX_QUEUE_DELAY = 900  # SQS caps DelaySeconds at 15 minutes; later attempts wait in the store
STALE_QUEUED = timedelta(hours=1)  # a queued attempt this overdue lost its message: send another
STALE_DIALLING = timedelta(minutes=30)  # longer than any call: a dial that never reported back
NOT_CONNECTED: frozenset[str] = frozenset({"no_answer", "busy", "failed", "voicemail"})
PENDING: tuple[AttemptStatus, ...] = ("scheduled", "queued", "dialling")

DialKind = Literal["dialled", "refused", "postponed", "paced", "duplicate", "pending"]


class RetryLaterError(Exception):
    """The message cannot be settled yet (another delivery is mid-dial); let the queue redeliver it."""


@dataclass(frozen=True)
class DialResult:
    kind: DialKind
    reason: str | None = None
    outcome: AttemptOutcome | None = None


class CampaignService:
    def __init__(
        self,
        store: CampaignStore,
        dnc: DncList,
        dial_log: DialLog,
        pacer: Pacer,
        idempotency: IdempotencyStore,
        placer: CallPlacer,
        queue: CampaignQueue,
        objects: ObjectStore,
        clock: Clock,
        catalog: ScriptCatalog,
        calls: CallReader | None = None,
    ) -> None:
        self._store = store
        self._dnc = dnc
        self._dial_log = dial_log
        self._pacer = pacer
        self._idempotency = idempotency
        self._placer = placer
        self._queue = queue
        self._objects = objects
        self._clock = clock
        self._catalog = catalog
        self._calls = calls

    @property
    def idempotency(self) -> IdempotencyStore:
        return self._idempotency

    # campaigns -------------------------------------------------------------------------------

    def create(self, config: CampaignConfig) -> CampaignRecord:
        script = self._catalog.get(config.script_id)  # NotFound/ScriptError for an unknown script
        if config.lang not in script.languages:
            raise InvalidEventError(f"lang: script {config.script_id!r} has no {config.lang!r} lines")
        now = self._clock.now()
        record = CampaignRecord(config=config, created_at=now, updated_at=now)
        self._store.create_campaign(record)
        return record

    def get(self, campaign_id: str) -> CampaignRecord:
        return self._store.get_campaign(campaign_id)

    def list_campaigns(self, limit: int, after: str | None = None) -> list[CampaignRecord]:
        return self._store.list_campaigns(limit, after)

    def transition(self, campaign_id: str, action: str) -> CampaignRecord:
        """start, pause, resume, cancel or complete; ConflictError when the state does not allow it."""
        ((target, allowed_from),) = TRANSITIONS[action].items()
        record = self._store.set_state(campaign_id, target, allowed_from, self._clock.now())
        if action in ("start", "resume"):
            self.enqueue_due(campaign_id)
        return record

    # contacts --------------------------------------------------------------------------------

    def ingest_object(self, key: str) -> ImportReport:
        """An uploaded `campaigns/<id>/contacts.csv`: create the campaign from the config next to it
        if it does not exist yet, then import."""
        match = CONTACTS_KEY.match(key)
        if match is None:
            raise InvalidEventError(f"object.key: {key!r} is not campaigns/<campaign_id>/contacts.csv")
        campaign_id = match["campaign"]
        try:
            self._store.get_campaign(campaign_id)
        except NotFoundError:
            self._create_from_bucket(campaign_id)
        return self.import_contacts(campaign_id, self._objects.get(key))

    def _create_from_bucket(self, campaign_id: str) -> None:
        for name in CONFIG_NAMES:
            config_key = f"campaigns/{campaign_id}/{name}"
            if self._objects.exists(config_key):
                config = parse_config(self._objects.get(config_key), source=config_key)
                if config.campaign_id != campaign_id:
                    raise InvalidEventError(
                        f"{config_key}: campaign_id {config.campaign_id!r} != {campaign_id!r}"
                    )
                with contextlib.suppress(ConflictError):  # a concurrent delivery of the event created it
                    self.create(config)
                return
        raise NotFoundError(f"campaign {campaign_id!r}: no campaign record and no {' / '.join(CONFIG_NAMES)}")

    def import_contacts(self, campaign_id: str, data: bytes) -> ImportReport:
        """Validate every row, keep the good ones, schedule their first attempt. Re-importing is safe:
        contacts are upserted and an existing attempt is never scheduled twice."""
        record = self._store.get_campaign(campaign_id)
        if record.state in ("cancelled", "completed"):
            raise ConflictError(f"campaign {campaign_id!r} is {record.state}")
        config = record.config
        script = self._catalog.get(config.script_id)
        result = import_contacts(data, config, script.variables, self._dnc.contains)
        self._store.put_contacts(result.contacts)
        now = self._clock.now()
        scheduled = 0
        for contact in result.contacts:
            due = next_opening(config, contact.zones, now)
            if due is None:
                continue
            attempt = Attempt(
                campaign_id=campaign_id,
                contact_id=contact.contact_id,
                number=1,
                phone=contact.phone,
                due_at=due,
            )
            scheduled += int(self._store.add_attempt(attempt))
        report = result.report
        self._objects.put(
            f"campaigns/{campaign_id}/import-report.json",
            report.model_dump_json().encode(),
            "application/json",
        )
        record = self._store.get_campaign(campaign_id)
        record.last_import = report.summary
        record.updated_at = now
        self._store.save_campaign(record)
        if record.state == "draft" and config.start_on_upload and result.contacts:
            self.transition(campaign_id, "start")
        return report

    # scheduling ------------------------------------------------------------------------------

    def enqueue_due(self, campaign_id: str | None = None) -> int:
        """Queue attempts due within SQS's delay horizon; re-send ones whose message was lost;
        complete campaigns with nothing left to do. Returns how many messages were sent."""
        now = self._clock.now()
        campaigns = [self._store.get_campaign(campaign_id)] if campaign_id else self._all_campaigns()
        sent = 0
        for campaign in campaigns:
            if campaign.state != "running":
                continue
            cid = campaign.campaign_id
            horizon = now + timedelta(seconds=MAX_QUEUE_DELAY)
            for attempt in self._store.due_attempts(cid, horizon, limit=1000):
                sent += self._send(attempt, "scheduled", attempt.generation, now)
            for attempt in self._store.stale_attempts(cid, "queued", now - STALE_QUEUED):
                sent += self._send(attempt, "queued", attempt.generation + 1, now)
            for attempt in self._store.stale_attempts(cid, "dialling", now - STALE_DIALLING):
                self._complete(attempt, PlacementResult(call_id=attempt.call_id, outcome="failed"), now)
            if not self._store.has_pending(cid):
                with contextlib.suppress(ConflictError):
                    self._store.set_state(cid, "completed", frozenset({"running"}), now)
        return sent

    def pending_contacts(self, campaign_id: str) -> int:
        """Contacts with an attempt still to settle (scheduled, queued or dialling)."""
        counts = self._store.count_attempts(campaign_id)
        return sum(counts.get(status, 0) for status in PENDING)

    def next_due(self, campaign_id: str) -> datetime | None:
        """When the earliest scheduled attempt falls due (the local runner sleeps until then)."""
        upcoming = self._store.due_attempts(campaign_id, datetime.max.replace(tzinfo=UTC), limit=1)
        return upcoming[0].due_at if upcoming else None

    def _all_campaigns(self) -> list[CampaignRecord]:
        found: list[CampaignRecord] = []
        after: str | None = None
        while True:
            page = self._store.list_campaigns(100, after)
            found.extend(page)
            if len(page) < 100:
                return found
            after = page[-1].campaign_id

    def _send(self, attempt: Attempt, expected: AttemptStatus, generation: int, now: datetime) -> int:
        queued = attempt.model_copy(
            update={"status": "queued", "generation": generation, "due_at": max(attempt.due_at, now)}
        )
        try:
            self._store.update_attempt(queued, expected, attempt.generation)
        except ConflictError:
            return 0  # another scheduler run got there first
        delay = int(min(MAX_QUEUE_DELAY, max(0.0, (attempt.due_at - now).total_seconds())))
        message = DialMessage(
            campaign_id=attempt.campaign_id,
            contact_id=attempt.contact_id,
            attempt=attempt.number,
            generation=generation,
        )
        self._queue.send(message.model_dump(), delay_seconds=delay)
        return 1

    # dialling --------------------------------------------------------------------------------

    def dial(self, message: DialMessage) -> DialResult:
        """One queue message -> at most one call. Safe to deliver any number of times."""
        now = self._clock.now()
        try:
            attempt = self._store.get_attempt(message.campaign_id, message.contact_id, message.attempt)
        except NotFoundError:
            return DialResult("duplicate", "no such attempt")
        if attempt.generation != message.generation or attempt.status not in ("queued", "dialling"):
            return DialResult("duplicate", f"attempt is {attempt.status} (generation {attempt.generation})")
        key = f"dial#{attempt.key}#g{attempt.generation}"
        if attempt.status == "dialling":
            # Another delivery began this dial: take its stored result, or learn that it vanished.
            return self._settle(attempt, self._idempotency.run_once(key, lambda: {"kind": "abandoned"}), now)
        campaign = self._store.get_campaign(attempt.campaign_id)
        contact = self._store.get_contact(attempt.campaign_id, attempt.contact_id)
        config = campaign.config
        facts = DialFacts(
            config=config,
            state=campaign.state,
            contact=contact,
            attempt_number=attempt.number,
            on_dnc=self._dnc.contains(contact.phone),
            recent_dials=self._dial_log.recent(
                contact.phone, now - timedelta(days=config.frequency_cap.days)
            ),
            spent=campaign.spent,
        )
        decision = may_dial(facts, now)
        if isinstance(decision, Refused):
            return self._refuse(attempt, "queued", decision, now)
        if not self._pacer.acquire(
            campaign.campaign_id, now, config.pacing.calls_per_minute, config.pacing.max_concurrent
        ):
            return self._pace(attempt, now)
        try:
            outcome = self._idempotency.run_once(
                key, lambda: self._place_once(campaign, contact, attempt, now)
            )
        finally:
            self._pacer.release(campaign.campaign_id)
        return self._settle(attempt, outcome, now)

    def _place_once(
        self, campaign: CampaignRecord, contact: Contact, attempt: Attempt, now: datetime
    ) -> dict[str, Any]:
        """Runs once per attempt generation (the idempotency store guarantees it)."""
        dialling = attempt.model_copy(update={"status": "dialling", "started_at": now})
        try:
            self._store.update_attempt(dialling, "queued", attempt.generation)
        except ConflictError:
            return {"kind": "abandoned"}  # an earlier run of this generation began dialling and vanished
        config = campaign.config
        if not self._store.charge(campaign.campaign_id, config.cost_per_dial, config.budget_cap):
            return {"kind": "refused", "reason": "budget_exhausted"}
        period = timedelta(days=config.frequency_cap.days)
        if not self._dial_log.reserve(contact.phone, now, now - period, config.frequency_cap.attempts):
            self._store.charge(campaign.campaign_id, -config.cost_per_dial, None)
            retry = next_opening(config, contact.zones, now + timedelta(hours=1))
            return {
                "kind": "refused",
                "reason": "frequency_cap",
                "retry_at": retry.isoformat() if retry else None,
            }
        self._store.log_event(self._event(attempt, now, "dialled"))
        try:
            result = self._placer.place(campaign, contact, dialling)
        except Exception as exc:  # a failed placement is an outcome, never a second dial
            result = PlacementResult(outcome="failed")
            self._store.log_event(self._event(attempt, now, "dialled", "placement_failed", repr(exc)[:500]))
        return {"kind": "placed", "result": result.model_dump(mode="json")}

    def _settle(self, attempt: Attempt, outcome: dict[str, Any], now: datetime) -> DialResult:
        current = self._store.get_attempt(attempt.campaign_id, attempt.contact_id, attempt.number)
        if outcome["kind"] == "placed":
            result = PlacementResult.model_validate(outcome["result"])
            if result.outcome is None:
                self._record_call_id(current, result.call_id)
                return DialResult("pending")
            self._complete(current, result, now)
            return DialResult("dialled", outcome=result.outcome)
        if outcome["kind"] == "refused":
            retry = outcome.get("retry_at")
            refusal = Refused(
                outcome["reason"], "at dial time", datetime.fromisoformat(retry) if retry else None
            )
            return self._refuse(current, "dialling", refusal, now)
        # abandoned: a dial for this generation started and never reported
        if current.status == "dialling" and current.started_at and now - current.started_at > STALE_DIALLING:
            self._complete(current, PlacementResult(call_id=current.call_id, outcome="failed"), now)
            return DialResult("dialled", "abandoned", "failed")
        if current.status == "dialling":
            raise RetryLaterError(f"attempt {attempt.key} is being dialled by another delivery")
        return DialResult("duplicate", f"attempt is {current.status}")

    def _record_call_id(self, attempt: Attempt, call_id: str | None) -> None:
        with contextlib.suppress(ConflictError):
            self._store.update_attempt(
                attempt.model_copy(update={"call_id": call_id}), "dialling", attempt.generation
            )

    def _refuse(
        self, attempt: Attempt, expected: AttemptStatus, refusal: Refused, now: datetime
    ) -> DialResult:
        postpone = refusal.reason not in FINAL_REFUSALS and (
            refusal.retry_at is not None or refusal.reason == "campaign_not_running"
        )
        if postpone:
            update: dict[str, Any] = {
                "status": "scheduled",
                "generation": attempt.generation + 1,
                "due_at": refusal.retry_at or now,
            }
        else:
            update = {"status": "refused", "refusal": refusal.reason, "ended_at": now}
        try:
            self._store.update_attempt(attempt.model_copy(update=update), expected, attempt.generation)
        except ConflictError:
            return DialResult("duplicate", "attempt moved on")
        self._store.log_event(self._event(attempt, now, "refused", refusal.reason, refusal.detail))
        return DialResult("postponed" if postpone else "refused", refusal.reason)

    def _pace(self, attempt: Attempt, now: datetime) -> DialResult:
        later = attempt.model_copy(update={"generation": attempt.generation + 1})
        try:
            self._store.update_attempt(later, "queued", attempt.generation)
        except ConflictError:
            return DialResult("duplicate", "attempt moved on")
        delay = 60 - now.second  # the next minute's budget
        message = DialMessage(
            campaign_id=attempt.campaign_id,
            contact_id=attempt.contact_id,
            attempt=attempt.number,
            generation=later.generation,
        )
        self._queue.send(message.model_dump(), delay_seconds=delay)
        self._store.log_event(self._event(attempt, now, "deferred", "pacing"))
        return DialResult("paced", "pacing")

    @staticmethod
    def _event(
        attempt: Attempt,
        now: datetime,
        kind: Literal["dialled", "refused", "deferred"],
        reason: str | None = None,
        detail: str | None = None,
    ) -> DialEvent:
        return DialEvent(
            campaign_id=attempt.campaign_id,
            contact_id=attempt.contact_id,
            attempt=attempt.number,
            phone=attempt.phone,
            at=now,
            kind=kind,
            reason=reason,
            detail=detail,
        )

    # outcomes --------------------------------------------------------------------------------

    def _complete(self, attempt: Attempt, result: PlacementResult, now: datetime) -> None:
        """Record the outcome, honour a DNC request, schedule the follow-up. Idempotent."""
        outcome: AttemptOutcome = result.outcome or "failed"
        if result.dnc_requested or outcome == "dnc":
            self._dnc.add(attempt.phone, f"call:{result.call_id or attempt.key}", now)
        campaign = self._store.get_campaign(attempt.campaign_id)
        contact = self._store.get_contact(attempt.campaign_id, attempt.contact_id)
        follow_up = None
        if outcome != "dnc" and not result.dnc_requested:
            follow_up = next_attempt(campaign.config, contact, attempt, outcome, result.callback, now)
        done = attempt.model_copy(
            update={
                "status": "done",
                "outcome": outcome,
                "call_id": result.call_id or attempt.call_id,
                "promise": result.promise,
                "intents": result.intents,
                "ended_at": now,
                "callback_at": follow_up.callback_at if follow_up else None,
            }
        )
        try:
            self._store.update_attempt(done, "dialling", attempt.generation)
        except ConflictError:
            return  # already completed by another path (the turn hook or a redelivery)
        if follow_up is not None:
            self._store.add_attempt(follow_up)

    def on_turn(self, call: CallRecord, turn: TurnRecord) -> None:
        """CallService hook: a DNC request takes effect at once; a finished call completes its attempt."""
        now = self._clock.now()
        if turn.intent == Intent.DO_NOT_CALL:
            self._dnc.add(call.phone, f"call:{call.call_id}", now)
        if not turn.end_call or self._calls is None:
            return
        attempt = self._store.latest_attempt(call.campaign_id, call.contact_id)
        if attempt is None or attempt.status != "dialling" or attempt.call_id not in (None, call.call_id):
            return
        finished = call.model_copy(update={"outcome": turn.outcome or "failed"})
        self._complete(attempt, summarise_call(finished, self._calls.list_turns(call.call_id)), now)

    # DNC -------------------------------------------------------------------------------------

    def dnc_add(self, raw_phone: str, source: str, default_region: str = "US") -> str:
        phone = to_e164(raw_phone, default_region)
        self._dnc.add(phone, source, self._clock.now())
        return phone

    def dnc_remove(self, raw_phone: str, default_region: str = "US") -> tuple[str, bool]:
        phone = to_e164(raw_phone, default_region)
        return phone, self._dnc.remove(phone)

    def dnc_check(self, raw_phone: str, default_region: str = "US") -> tuple[str, bool]:
        phone = to_e164(raw_phone, default_region)
        return phone, self._dnc.contains(phone)

    def dnc_list(self, limit: int, after: str | None = None) -> list[tuple[str, str, datetime]]:
        return self._dnc.list(limit, after)

    # reports ---------------------------------------------------------------------------------

    def attempts(
        self, campaign_id: str, limit: int, after: str | None = None, status: AttemptStatus | None = None
    ) -> list[Attempt]:
        self._store.get_campaign(campaign_id)
        return self._store.list_attempts(campaign_id, limit, after, status)

    def funnel(self, campaign_id: str) -> Funnel:
        campaign = self._store.get_campaign(campaign_id)
        success = set(campaign.config.success_outcomes)
        funnel = Funnel(contacts=self._store.count_contacts(campaign_id))
        contacts_dialled: set[str] = set()
        contacts_connected: set[str] = set()
        contacts_succeeded: set[str] = set()
        after: str | None = None
        while True:
            page = self._store.list_attempts(campaign_id, 500, after)
            for attempt in page:
                if attempt.number == 1:
                    funnel.scheduled += 1
                if attempt.status in PENDING:
                    funnel.pending += 1
                if attempt.outcome is None:
                    continue
                funnel.attempts += 1
                funnel.outcomes[attempt.outcome] = funnel.outcomes.get(attempt.outcome, 0) + 1
                contacts_dialled.add(attempt.contact_id)
                if attempt.outcome not in NOT_CONNECTED:
                    contacts_connected.add(attempt.contact_id)
                if attempt.outcome in success:
                    contacts_succeeded.add(attempt.contact_id)
            if len(page) < 500:
                break
            after = page[-1].key
        after = None
        while True:
            events = self._store.list_events(campaign_id, 1000, after)
            for event in events:
                if event.kind == "refused" and event.reason:
                    funnel.refusals[event.reason] = funnel.refusals.get(event.reason, 0) + 1
            if len(events) < 1000:
                break
            after = event_cursor(events[-1])
        funnel.dialled = len(contacts_dialled)
        funnel.connected = len(contacts_connected)
        funnel.succeeded = len(contacts_succeeded)
        return funnel


def summarise_call(call: CallRecord, turns: Sequence[TurnRecord]) -> PlacementResult:
    """A finished call -> the attempt's outcome, per-turn intents, the promise and callback time said."""
    outcome: AttemptOutcome = "failed" if call.outcome == "in_progress" else call.outcome
    promise: Promise | None = None
    callback: Slots | None = None
    for turn in turns:
        slots = turn.slots
        said_promise = turn.intent == Intent.PROMISE_TO_PAY or outcome == "promised_to_pay"
        if said_promise and (slots.amount is not None or slots.date is not None):
            promise = Promise(date=slots.date, amount=slots.amount, currency=slots.currency)
        if (slots.date or slots.time) and turn.intent in (Intent.BUSY, Intent.AFFIRM, Intent.OTHER, None):
            callback = slots
    return PlacementResult(
        call_id=call.call_id,
        outcome=outcome,
        intents=[turn.intent.value if turn.intent else "none" for turn in turns],
        callback=callback if outcome == "callback" else None,
        promise=promise if outcome == "promised_to_pay" else None,
        dnc_requested=any(turn.intent == Intent.DO_NOT_CALL for turn in turns),
    )
