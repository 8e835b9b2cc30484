"""Runs a simulated campaign end to end: contacts -> calls -> turns through the workflow."""

from __future__ import annotations

import csv
import statistics
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from outdial.calls import CallService
from outdial.demo.personas import PERSONAS, Persona
from outdial.demo.voice import CalleeVoice
from outdial.models import CallRecord, Lang, ReplyOutput, TurnRecord
from outdial.script import ScriptCatalog


@dataclass
class DemoContact:
    contact_id: str
    phone: str
    persona: Persona
    fields: dict[str, str]


@dataclass
class DemoCall:
    contact: DemoContact
    call: CallRecord
    opening: ReplyOutput
    said: list[str] = field(default_factory=list)  # what the persona actually said, per turn
    turns: list[TurnRecord] = field(default_factory=list)


def read_contacts(path: Path, script_id: str) -> list[DemoContact]:
    personas = PERSONAS[script_id]
    contacts: list[DemoContact] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            persona = personas[row.pop("simulate_persona")]
            contacts.append(DemoContact(row.pop("contact_id"), row.pop("phone"), persona, row))
    return contacts


def run_call(
    service: CallService,
    voice: CalleeVoice,
    campaign_id: str,
    script_id: str,
    lang: Lang,
    contact: DemoContact,
) -> DemoCall:
    call, opening = service.start_call(
        campaign_id, contact.contact_id, contact.phone, script_id, lang, contact.fields
    )
    demo = DemoCall(contact, call, opening)
    speaker = contact.persona.speaker()
    node_id = call.node_id
    while True:
        words = speaker.answer(node_id)
        audio, encoding = voice.render(words, lang)
        turn = service.take_turn(call.call_id, audio, encoding, 8000)
        demo.said.append(words)
        demo.turns.append(turn)
        node_id = turn.node_after
        if turn.end_call:
            break
    return demo


def run_campaign(
    service: CallService,
    voice: CalleeVoice,
    catalog: ScriptCatalog,
    script_id: str,
    contacts_csv: Path,
    on_call_done: Callable[[DemoCall], None] | None = None,
) -> tuple[str, list[DemoCall]]:
    script = catalog.get(script_id)
    lang = script.languages[0]
    campaign_id = f"demo-{script_id}-{uuid.uuid4().hex[:6]}"
    calls: list[DemoCall] = []
    for contact in read_contacts(contacts_csv, script_id):
        demo = run_call(service, voice, campaign_id, script_id, lang, contact)
        calls.append(demo)
        if on_call_done:
            on_call_done(demo)
    return campaign_id, calls


def stage_latencies(calls: list[DemoCall]) -> Iterator[tuple[str, float, float]]:
    """(stage, p50 ms, p95 ms) over every turn of every call."""
    for stage in ("asr", "intent", "reply", "workflow"):
        values = sorted(t.timings_ms[stage] for c in calls for t in c.turns if stage in t.timings_ms)
        if values:
            p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
            yield stage, statistics.median(values), p95
