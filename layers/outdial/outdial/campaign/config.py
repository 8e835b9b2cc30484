"""Campaign configuration: a YAML or JSON document validated once, when it is created.

Times are the callee's local wall-clock times; the dialer converts them per contact, so one
campaign can call Beijing and Honolulu without anyone doing time-zone arithmetic by hand.
"""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

import yaml
from outdial.errors import InvalidEventError, fields_at_fault
from outdial.models import CallOutcome, Lang, normalise_lang
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# What a dial attempt can end as: a call outcome, or a line that never connected.
AttemptOutcome = Literal[
    "converted",
    "promised_to_pay",
    "refused",
    "callback",
    "wrong_number",
    "dnc",
    "voicemail",
    "transferred",
    "no_answer",
    "busy",
    "failed",
]
RetryableOutcome = Literal["busy", "no_answer", "voicemail", "callback", "failed"]
DEFAULT_SUCCESS: tuple[CallOutcome, ...] = ("converted", "promised_to_pay")
CAMPAIGN_ID_PATTERN = r"^[A-Za-z0-9][\w.-]{0,127}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(_Frozen):
    """A half-open local-time interval [start, end) within one day."""

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.start >= self.end:
            raise ValueError(f"window start {self.start} must be before its end {self.end}")
        return self

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


class Pacing(_Frozen):
    max_concurrent: int = Field(default=5, ge=1, le=1000)
    calls_per_minute: int = Field(default=30, ge=1, le=10_000)


class FrequencyCap(_Frozen):
    """At most `attempts` dials to one number in any `days`-day period, across all campaigns."""

    attempts: int = Field(default=3, ge=1, le=100)
    days: int = Field(default=7, ge=1, le=90)


def _default_windows() -> dict[Weekday, list[TimeWindow]]:
    weekday = [TimeWindow(start=time(9), end=time(20))]
    return {d: list(weekday) for d in WEEKDAYS[:5]} | {"sat": [TimeWindow(start=time(10), end=time(18))]}


def _default_retry() -> dict[RetryableOutcome, int]:
    return {"busy": 60, "no_answer": 120, "voicemail": 240, "callback": 240, "failed": 30}


class CampaignConfig(_Frozen):
    campaign_id: str = Field(pattern=CAMPAIGN_ID_PATTERN)
    script_id: str = Field(min_length=1, max_length=64)
    lang: Lang
    default_region: str = Field(
        default="US", pattern=r"^[A-Z]{2}$", description="ISO region for numbers written without +country"
    )
    windows: dict[Weekday, list[TimeWindow]] = Field(
        default_factory=_default_windows,
        description="local calling windows per weekday; a missing day: no calls",
    )
    quiet_days: list[date] = Field(default_factory=list, description="local dates with no calls (holidays)")
    max_attempts: int = Field(default=3, ge=1, le=20)
    retry_minutes: dict[RetryableOutcome, int] = Field(
        default_factory=_default_retry, description="minutes before the next attempt, by outcome"
    )
    pacing: Pacing = Field(default_factory=Pacing)
    frequency_cap: FrequencyCap = Field(default_factory=FrequencyCap)
    budget_cap: float | None = Field(
        default=None, ge=0, description="stop dialling once spend would exceed it"
    )
    cost_per_dial: float = Field(default=0.0, ge=0)
    require_consent: bool = False
    success_outcomes: list[CallOutcome] = Field(default_factory=lambda: list(DEFAULT_SUCCESS))
    start_on_upload: bool = Field(default=True, description="a contacts upload starts a draft campaign")
    contacts: str | None = Field(default=None, description="contacts CSV path, for `outdial campaign run`")

    _lang = field_validator("lang", mode="before")(normalise_lang)

    @field_validator("retry_minutes")
    @classmethod
    def _positive_intervals(cls, value: dict[RetryableOutcome, int]) -> dict[RetryableOutcome, int]:
        for outcome, minutes in value.items():
            if not 1 <= minutes <= 60 * 24 * 30:
                raise ValueError(f"retry_minutes.{outcome}: must be between 1 minute and 30 days")
        return value

    @model_validator(mode="after")
    def _some_window(self) -> CampaignConfig:
        if not any(self.windows.values()):
            raise ValueError("windows: at least one calling window is needed")
        return self

    def windows_on(self, weekday: int) -> list[TimeWindow]:
        return self.windows.get(WEEKDAYS[weekday], [])


def parse_config(data: bytes | str | dict[str, Any], source: str = "campaign config") -> CampaignConfig:
    """YAML (a superset of JSON) or an already-parsed mapping -> CampaignConfig, or a named error."""
    try:
        raw = yaml.safe_load(data) if isinstance(data, bytes | str) else data
    except yaml.YAMLError as exc:
        raise InvalidEventError(f"{source}: not valid YAML/JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise InvalidEventError(f"{source}: expected a mapping at the top level")
    try:
        return CampaignConfig.model_validate(raw)
    except ValidationError as exc:
        problems = fields_at_fault(exc)
        raise InvalidEventError(f"{source}: {problems}") from exc


def load_config(path: Path) -> CampaignConfig:
    return parse_config(path.read_bytes(), source=str(path))


def dump_config(config: CampaignConfig) -> str:
    return json.dumps(config.model_dump(mode="json"), ensure_ascii=False)
