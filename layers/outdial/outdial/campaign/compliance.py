"""The compliance gate: may this attempt be dialled now? A pure function of the facts.

The dialer asks it at dial time (not only when scheduling): a pause, a DNC request or a
window closing between scheduling and dialling must still stop the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from outdial.campaign.config import CampaignConfig
from outdial.campaign.records import CampaignState, Contact, RefusalReason

SEARCH_DAYS = 15  # how far ahead to look for a calling window before giving up


@dataclass(frozen=True)
class Allowed:
    allowed: bool = field(default=True, init=False)


@dataclass(frozen=True)
class Refused:
    reason: RefusalReason
    detail: str = ""
    retry_at: datetime | None = None  # when the attempt may be tried again; None: not by time
    allowed: bool = field(default=False, init=False)


Decision = Allowed | Refused


@dataclass(frozen=True)
class DialFacts:
    """Everything the gate looks at, read fresh by the dialer just before it dials."""

    config: CampaignConfig
    state: CampaignState
    contact: Contact
    attempt_number: int
    on_dnc: bool
    recent_dials: Sequence[datetime]  # this number's dials in the cap period, across campaigns
    spent: float


def may_dial(facts: DialFacts, now: datetime) -> Decision:
    config, contact = facts.config, facts.contact
    if facts.state == "cancelled":
        return Refused("campaign_cancelled", "the campaign was cancelled")
    if facts.state != "running":
        return Refused("campaign_not_running", f"the campaign is {facts.state}")
    if facts.on_dnc:
        return Refused("dnc", "the number is on the do-not-call list")
    if config.require_consent and not contact.consent:
        return Refused("no_consent", "the campaign requires consent and the contact has not given it")
    if facts.attempt_number > config.max_attempts:
        return Refused("max_attempts", f"attempt {facts.attempt_number} exceeds {config.max_attempts}")
    if config.budget_cap is not None and facts.spent + config.cost_per_dial > config.budget_cap + 1e-9:
        return Refused("budget_exhausted", f"spent {facts.spent:.2f} of {config.budget_cap:.2f}")
    if not contact.zones:
        return Refused("no_timezone", "no time zone is known for the number")
    local = local_refusal(config, contact.zones, now)
    if local is not None:
        return local
    period = timedelta(days=config.frequency_cap.days)
    recent = sorted(t for t in facts.recent_dials if now - period < t <= now)
    if len(recent) >= config.frequency_cap.attempts:
        free_at = recent[len(recent) - config.frequency_cap.attempts] + period
        return Refused(
            "frequency_cap",
            f"{len(recent)} dials to this number in {config.frequency_cap.days} days",
            next_opening(config, contact.zones, free_at),
        )
    return Allowed()


def local_refusal(config: CampaignConfig, zones: Sequence[str], now: datetime) -> Refused | None:
    """Outside a window or on a quiet day in any of the callee's zones -> a refusal with the next opening."""
    for zone in zones:
        local = now.astimezone(ZoneInfo(zone))
        if local.date() in config.quiet_days:
            return Refused(
                "quiet_day", f"{local.date()} is a quiet day in {zone}", next_opening(config, zones, now)
            )
        if not any(w.contains(local.time().replace(tzinfo=None)) for w in config.windows_on(local.weekday())):
            return Refused(
                "outside_window",
                f"{local:%a %H:%M} in {zone} is outside the calling windows",
                next_opening(config, zones, now),
            )
    return None


def next_opening(config: CampaignConfig, zones: Sequence[str], after: datetime) -> datetime | None:
    """The first instant at or after `after` that is inside a window in every zone, or None."""
    if local_refusal_free(config, zones, after):
        return after
    candidates: list[datetime] = []
    for zone in zones:
        tz = ZoneInfo(zone)
        first_day = after.astimezone(tz).date() - timedelta(days=1)
        for offset in range(SEARCH_DAYS + 1):
            day: date = first_day + timedelta(days=offset)
            if day in config.quiet_days:
                continue
            for window in config.windows_on(day.weekday()):
                start = datetime.combine(day, window.start, tzinfo=tz).astimezone(UTC)
                # A start inside a spring-forward gap resolves an hour off; the next hour covers it.
                for candidate in (start, start + timedelta(hours=1)):
                    if candidate > after:
                        candidates.append(candidate)
    for candidate in sorted(set(candidates)):
        if local_refusal_free(config, zones, candidate):
            return candidate
    return None


def local_refusal_free(config: CampaignConfig, zones: Sequence[str], moment: datetime) -> bool:
    for zone in zones:
        local = moment.astimezone(ZoneInfo(zone))
        if local.date() in config.quiet_days:
            return False
        if not any(w.contains(local.time().replace(tzinfo=None)) for w in config.windows_on(local.weekday())):
            return False
    return True
