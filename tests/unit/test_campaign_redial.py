"""Redial policy: retry by outcome inside a window, honour a requested callback, stop at max attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from outdial.campaign.config import CampaignConfig
from outdial.campaign.records import Attempt, Contact
from outdial.campaign.redial import next_attempt, requested_time
from outdial.models import Slots

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tue 10:00 in New York
CONTACT = Contact(campaign_id="c", contact_id="p", phone="+12125550100", zones=["America/New_York"])


def config(**override: object) -> CampaignConfig:
    return CampaignConfig.model_validate(
        {
            "campaign_id": "c",
            "script_id": "en-insurance-renewal",
            "lang": "en",
            "retry_minutes": {"busy": 60, "no_answer": 120, "voicemail": 600, "callback": 240},
        }
        | override
    )


def attempt(number: int = 1) -> Attempt:
    return Attempt(campaign_id="c", contact_id="p", number=number, phone=CONTACT.phone, due_at=NOW)


@pytest.mark.parametrize(("outcome", "minutes"), [("busy", 60), ("no_answer", 120)])
def test_retry_interval_by_outcome(outcome: str, minutes: int) -> None:
    follow = next_attempt(config(), CONTACT, attempt(), outcome, None, NOW)  # type: ignore[arg-type]
    assert follow is not None and follow.number == 2 and follow.reason == outcome
    assert follow.due_at == NOW + timedelta(minutes=minutes)


def test_a_retry_that_lands_after_hours_moves_to_the_next_window() -> None:
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 18:30 local; +10 h is 04:30
    follow = next_attempt(config(), CONTACT, attempt(), "voicemail", None, late)
    assert follow is not None and follow.due_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 09:00 EST


@pytest.mark.parametrize(
    "outcome", ["converted", "promised_to_pay", "refused", "wrong_number", "dnc", "transferred"]
)
def test_final_outcomes_end_the_contact(outcome: str) -> None:
    assert next_attempt(config(), CONTACT, attempt(), outcome, None, NOW) is None  # type: ignore[arg-type]


def test_max_attempts_stops_retries() -> None:
    assert next_attempt(config(max_attempts=2), CONTACT, attempt(2), "busy", None, NOW) is None


def test_call_me_tomorrow_at_three() -> None:
    follow = next_attempt(
        config(), CONTACT, attempt(), "callback", Slots(date="2026-11-25", time="15:00"), NOW
    )
    assert follow is not None and follow.due_at == datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    assert follow.callback_at == follow.due_at


def test_a_callback_asked_for_at_night_waits_for_the_window() -> None:
    follow = next_attempt(config(), CONTACT, attempt(), "callback", Slots(time="22:00"), NOW)
    assert follow is not None and follow.due_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_a_time_already_past_today_means_tomorrow_and_junk_is_ignored() -> None:
    assert requested_time(Slots(time="09:00"), "America/New_York", NOW) == datetime(
        2026, 11, 25, 14, tzinfo=UTC
    )
    assert requested_time(Slots(time="25:99"), "America/New_York", NOW) is None
    assert requested_time(Slots(date="2020-01-01"), "America/New_York", NOW) is None
    without = next_attempt(config(), CONTACT, attempt(), "callback", None, NOW)
    assert without is not None and without.due_at == NOW + timedelta(minutes=240)
