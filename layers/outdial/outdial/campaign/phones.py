"""Phone numbers: E.164 normalisation and the callee's time zone(s), derived from the number."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import timezone as number_timezones

UNKNOWN_ZONE = "Etc/Unknown"


class PhoneError(ValueError):
    """A phone number that cannot be dialled; the message says why."""


def to_e164(raw: str, default_region: str) -> str:
    text = raw.strip()
    if not text:
        raise PhoneError("empty")
    if len(text) > 32:
        raise PhoneError("longer than 32 characters")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"not a phone number ({exc._msg})") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("not a valid number for its region")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def zones_for(e164: str) -> tuple[str, ...]:
    """Every IANA zone the number may be in; empty when phonenumbers does not know.

    A number that spans zones (some area codes do) gets all of them, and the dialer then
    calls only when the time is inside the window in every one of them.
    """
    number = phonenumbers.parse(e164, None)
    zones = tuple(z for z in number_timezones.time_zones_for_number(number) if z != UNKNOWN_ZONE)
    return tuple(z for z in zones if is_zone(z))


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    if name not in _known_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
