"""CallPlacer adapters. Locally the demo's simulated callee answers through the real CallService
(ASR, intent, reply); on AWS a PSTN adapter (Chime SDK) will take this place."""

from __future__ import annotations

from outdial.calls import CallService
from outdial.campaign.records import Attempt, CampaignRecord, Contact, PlacementResult
from outdial.campaign.service import summarise_call
from outdial.demo.personas import PERSONAS
from outdial.demo.runner import DemoContact, run_call
from outdial.demo.voice import CalleeVoice
from outdial.errors import ConfigError

PERSONA_COLUMN = "simulate_persona"
# Lines that never connect: no CallService call at all, as with a real unanswered dial.
UNCONNECTED_PERSONAS = {"no_answer": "no_answer", "line_busy": "busy"}


class SimulatedCallPlacer:
    def __init__(self, calls: CallService, voice: CalleeVoice) -> None:
        self._calls = calls
        self._voice = voice

    def place(self, campaign: CampaignRecord, contact: Contact, attempt: Attempt) -> PlacementResult:
        config = campaign.config
        persona_name = contact.fields.get(PERSONA_COLUMN, "")
        if persona_name in UNCONNECTED_PERSONAS:
            return PlacementResult(outcome=UNCONNECTED_PERSONAS[persona_name])  # type: ignore[arg-type]
        persona = PERSONAS.get(config.script_id, {}).get(persona_name)
        if persona is None:
            raise ValueError(
                f"{PERSONA_COLUMN}: no simulated persona {persona_name!r} for {config.script_id}"
            )
        fields = {k: v for k, v in contact.fields.items() if k != PERSONA_COLUMN}
        demo = run_call(
            self._calls,
            self._voice,
            config.campaign_id,
            config.script_id,
            config.lang,
            DemoContact(contact.contact_id, contact.phone, persona, fields),
        )
        return summarise_call(self._calls.get_call(demo.call.call_id), demo.turns)


class UnconfiguredCallPlacer:
    """Stands in until the PSTN adapter lands: every placement fails loudly (and is recorded so)."""

    def place(self, campaign: CampaignRecord, contact: Contact, attempt: Attempt) -> PlacementResult:
        raise ConfigError("no PSTN call placer is configured for the aws backend")
