"""Drives a campaign on one machine through the same path as AWS: the scheduler tick, the dial
queue, the dialer. With a simulated clock, hours of calling windows and retry intervals pass in
seconds; the gates still see the simulated time, exactly as they would see the real one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from outdial.campaign.ports import AlreadyInProgressError
from outdial.campaign.records import DialMessage
from outdial.campaign.service import CampaignService, DialResult, RetryLaterError
from outdial.ports import CampaignQueue, QueueMessage

IDLE_STEP = timedelta(minutes=1)


class SimulatedClock:
    """A clock that moves only when told to; also the time source of the in-process queue."""

    def __init__(self, start: datetime) -> None:
        self.current = start.astimezone(UTC)

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.current.timestamp()

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def dial_message(service: CampaignService, body: dict[str, Any]) -> DialResult:
    """The dialer's record handler: one message body -> one dial decision (ValidationError if malformed)."""
    return service.dial(DialMessage.model_validate(body))


@dataclass
class LocalCampaignRunner:
    service: CampaignService
    queue: CampaignQueue
    clock: SimulatedClock
    on_result: Callable[[DialResult], None] | None = None
    results: list[DialResult] = field(default_factory=list)

    def run(self, campaign_id: str, horizon: timedelta = timedelta(days=30)) -> None:
        """Until the campaign is no longer running (completed, paused, cancelled) or the horizon passes."""
        deadline = self.clock.now() + horizon
        while self.clock.now() < deadline:
            self.service.enqueue_due(campaign_id)
            if self.service.get(campaign_id).state != "running":
                return
            messages = self.queue.receive(10)
            if not messages:
                self.clock.advance(self._idle_step(campaign_id))
                continue
            for message in messages:
                self._handle(message)

    def _handle(self, message: QueueMessage) -> None:
        try:
            result = dial_message(self.service, message.body)
        except (RetryLaterError, AlreadyInProgressError):
            return  # not acked: the queue redelivers it after the visibility timeout, as SQS would
        self.queue.ack(message)
        self.results.append(result)
        if self.on_result:
            self.on_result(result)

    def _idle_step(self, campaign_id: str) -> timedelta:
        upcoming = self.service.next_due(campaign_id)
        if upcoming is None:
            return IDLE_STEP
        return max(IDLE_STEP, upcoming - self.clock.now() - timedelta(seconds=900))
