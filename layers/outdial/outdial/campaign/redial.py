"""Redial policy: after an attempt's outcome, whether and when to try the contact again."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outdial.campaign.compliance import next_opening
from outdial.campaign.config import AttemptOutcome, CampaignConfig
from outdial.campaign.records import Attempt, Contact
from outdial.models import Slots


def next_attempt(
    config: CampaignConfig,
    contact: Contact,
    attempt: Attempt,
    outcome: AttemptOutcome,
    callback: Slots | None,
    now: datetime,
) -> Attempt | None:
    """The follow-up attempt, inside a calling window, or None when the contact is finished."""
    minutes = next((m for o, m in config.retry_minutes.items() if o == outcome), None)
    if minutes is None or attempt.number >= config.max_attempts:
        return None
    requested = requested_time(callback, contact.zones[0], now) if outcome == "callback" else None
    earliest = requested if requested is not None else now + timedelta(minutes=minutes)
    due = next_opening(config, contact.zones, earliest)
    if due is None:
        return None
    return Attempt(
        campaign_id=attempt.campaign_id,
        contact_id=attempt.contact_id,
        number=attempt.number + 1,
        phone=attempt.phone,
        due_at=due,
        reason=outcome,
        callback_at=requested,
    )


def requested_time(slots: Slots | None, zone: str, now: datetime) -> datetime | None:
    """ "Call me tomorrow at 3" -> that instant in the callee's zone; None if no usable time was said."""
    if slots is None or (slots.date is None and slots.time is None):
        return None
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    try:
        day = date.fromisoformat(slots.date) if slots.date else local_now.date()
        at = time.fromisoformat(slots.time) if slots.time else time(0)
    except ValueError:
        return None
    moment = datetime.combine(day, at, tzinfo=tz)
    if slots.date is None and moment <= local_now:
        moment += timedelta(days=1)  # "at 3" said after 3 means tomorrow
    return moment if moment > now else None
