"""Compliance holds at dial time for every contact, across time zones and DST transitions.

10 000 generated contacts run through the real dialer (SQLite adapters, simulated clock); every
dial in the log is then checked independently: inside a window on a non-quiet day in each of the
callee's zones, never to a DNC number, never over the frequency cap.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from outdial.campaign.compliance import DialFacts, Refused, may_dial, next_opening
from outdial.campaign.config import WEEKDAYS, CampaignConfig
from outdial.campaign.records import Attempt, Contact, PlacementResult

from tests.unit.test_campaign_dialer import config, harness

CONTACTS = int(__import__("os").environ.get("CAMPAIGN_PROPERTY_CONTACTS", "10000"))
# (E.164 prefix, subscriber digits): regions spanning both hemispheres, DST and no-DST zones,
# multi-zone prefixes (+61 8) and half-hour offsets (India).
PREFIXES = [
    ("+1212555", 4),
    ("+1312555", 4),
    ("+1303555", 4),
    ("+1602555", 4),
    ("+1415555", 4),
    ("+1907555", 4),
    ("+1808555", 4),
    ("+86138", 8),
    ("+447700900", 3),
    ("+61291", 6),
    ("+61892", 6),
    ("+551199", 7),
    ("+9198", 8),
    ("+64921", 5),
    ("+493012", 6),
    ("+3361234", 4),
]
OVERRIDE_ZONES = [
    "America/Santiago",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Europe/Dublin",
    "America/St_Johns",
]
# Windows that straddle the small hours of Sunday, where clocks jump.
WINDOWS = {
    "mon": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "21:00"}],
    "tue": [{"start": "08:00", "end": "21:00"}],
    "wed": [{"start": "08:00", "end": "21:00"}],
    "thu": [{"start": "09:00", "end": "20:00"}],
    "fri": [{"start": "09:00", "end": "20:00"}],
    "sat": [{"start": "10:00", "end": "14:00"}],
    "sun": [{"start": "01:00", "end": "03:30"}],
}
QUIET_DAYS = [date(2026, 3, 10), date(2026, 3, 30), date(2026, 4, 6)]
DST_STARTS = [
    datetime(2026, 3, 7, 12, tzinfo=UTC),  # before US spring-forward (Mar 8)
    datetime(2026, 3, 27, 12, tzinfo=UTC),  # before EU spring-forward (Mar 29)
    datetime(2026, 4, 3, 12, tzinfo=UTC),  # before AU/NZ/Chile fall-back (Apr 5)
    datetime(2026, 10, 31, 12, tzinfo=UTC),  # before US fall-back (Nov 1)
]


def generate_phones(rng: random.Random, count: int) -> list[str]:
    phones: set[str] = set()
    while len(phones) < count:
        prefix, digits = rng.choice(PREFIXES)
        candidate = prefix + "".join(rng.choice("0123456789") for _ in range(digits))
        number = phonenumbers.parse(candidate)
        if phonenumbers.is_valid_number(number):
            phones.add(candidate)
    return sorted(phones)


def inside_window(moment: datetime, zones: list[str], cfg: CampaignConfig) -> bool:
    """The oracle, written independently of the gate: plain wall-clock arithmetic per zone."""
    for zone in zones:
        local = moment.astimezone(ZoneInfo(zone))
        if local.date() in cfg.quiet_days:
            return False
        wall = time(local.hour, local.minute, local.second, local.microsecond)
        spans = cfg.windows.get(WEEKDAYS[local.weekday()], [])
        if not any(span.start <= wall < span.end for span in spans):
            return False
    return True


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=2**32), start=st.sampled_from(DST_STARTS))
def test_ten_thousand_contacts_never_dialled_outside_window_to_dnc_or_over_cap(
    tmp_path_factory: object, seed: int, start: datetime
) -> None:
    rng = random.Random(seed)  # one seed, not 10 000 draws: hypothesis keeps the example small
    tmp_path: Path = tmp_path_factory.mktemp("compliance")  # type: ignore[attr-defined]
    phones = generate_phones(rng, CONTACTS)
    outcomes = ["converted", "refused", "busy", "no_answer", "voicemail", "callback"]

    def answer(contact: Contact, attempt: Attempt) -> PlacementResult:
        outcome = rng.choice(outcomes)
        return PlacementResult(outcome=outcome, dnc_requested=rng.random() < 0.02)  # type: ignore[arg-type]

    h = harness(tmp_path, answer, start=start)
    cfg = config(
        windows=WINDOWS,
        quiet_days=QUIET_DAYS,
        max_attempts=4,
        retry_minutes={"busy": 30, "no_answer": 90, "voicemail": 600, "callback": 1440},
        frequency_cap={"attempts": 2, "days": 7},
        pacing={"max_concurrent": 500, "calls_per_minute": 400},
    )
    h.service.create(cfg)
    rows = ["contact_id,phone,name,insurer,premium,expiry_date,timezone"]
    for i, phone in enumerate(phones):
        zone = rng.choice(OVERRIDE_ZONES) if rng.random() < 0.1 else ""
        rows.append(f"c{i:05d},{phone},Pat,Harbor,100,Dec 1,{zone}")
    for phone in rng.sample(phones, len(phones) // 30):
        h.dnc.add(phone, "preexisting", start)
    report = h.service.import_contacts("renewals", "\n".join(rows).encode())
    assert report.summary.imported + report.summary.dnc_scrubbed == CONTACTS
    # Numbers DNC'd after import, and dials made by another campaign: the dialer must notice both.
    late_dnc = set(rng.sample(phones, len(phones) // 50))
    for phone in late_dnc:
        h.dnc.add(phone, "late", start)
    h.run("renewals", days=60)

    dials = h.placer.dials
    assert len(dials) > CONTACTS  # retries happened
    outside = [d for d in dials if not inside_window(d.at, d.zones, cfg)]
    listed = {phone: (source, added) for phone, source, added in h.dnc.list(100_000)}
    # A number DNC'd by its own call was dialled once, before the request: that is not a breach.
    to_dnc = [
        d
        for d in dials
        if d.phone in listed and (listed[d.phone][0] in ("preexisting", "late") or listed[d.phone][1] < d.at)
    ]
    by_phone: dict[str, list[datetime]] = defaultdict(list)
    for d in dials:
        by_phone[d.phone].append(d.at)
    breaches = [
        p
        for p, times in by_phone.items()
        if any(sum(1 for t in times if at - timedelta(days=7) < t <= at) > 2 for at in times)
    ]
    zones_seen = {z for d in dials for z in d.zones}
    print(
        f"\n{len(dials)} dials to {len(by_phone)} numbers in {len(zones_seen)} zones from {start:%Y-%m-%d}: "
        f"{len(outside)} outside a window, {len(to_dnc)} to DNC, {len(breaches)} cap breaches"
    )
    assert (outside, to_dnc, breaches) == ([], [], [])
    assert len(zones_seen) >= 15


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    zones=st.lists(
        st.sampled_from(
            [
                *OVERRIDE_ZONES,
                "America/New_York",
                "Europe/London",
                "Asia/Shanghai",
                "Pacific/Auckland",
                "America/Phoenix",
            ]
        ),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    recent=st.lists(st.integers(min_value=0, max_value=60 * 24 * 10), max_size=5),
    on_dnc=st.booleans(),
)
def test_the_gate_alone_allows_only_compliant_dials(
    moment: datetime, zones: list[str], recent: list[int], on_dnc: bool
) -> None:
    cfg = config(windows=WINDOWS, quiet_days=QUIET_DAYS, frequency_cap={"attempts": 2, "days": 7})
    contact = Contact(campaign_id="renewals", contact_id="c", phone="+12125550100", zones=zones)
    dials = [moment - timedelta(minutes=m) for m in recent]
    facts = DialFacts(
        config=cfg,
        state="running",
        contact=contact,
        attempt_number=1,
        on_dnc=on_dnc,
        recent_dials=dials,
        spent=0.0,
    )
    decision = may_dial(facts, moment)
    if decision.allowed:
        assert not on_dnc and inside_window(moment, zones, cfg)
        assert sum(1 for t in dials if moment - timedelta(days=7) < t <= moment) < 2
    else:
        assert isinstance(decision, Refused)
        if decision.retry_at is not None:
            assert decision.retry_at >= moment and inside_window(decision.retry_at, zones, cfg)
    opening = next_opening(cfg, zones, moment)
    assert opening is None or inside_window(opening, zones, cfg)
