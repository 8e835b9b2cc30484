"""Costing stored calls: from a CallRecord and its TurnRecords to a CallCost.

A turn that carries its own ``cost`` (attached by CallService.take_turn) is used as is; an
older turn without one is estimated from its ``timings_ms``. A call's connected time is the
carrier's figure when the telephony side stored one (``meta["connected_seconds"]``), else an
estimate from what was said (local demo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from outdial.billing.cost import (
    CallCost,
    CampaignCost,
    FunctionSizing,
    TurnCost,
    campaign_cost,
    cost_call,
    cost_turn,
    estimate_connected_seconds,
    turn_usage_from_timings,
)
from outdial.billing.prices import PriceTable
from outdial.models import CallRecord, TurnRecord

DEFAULT_SUCCESS_OUTCOMES = ("converted", "promised_to_pay")  # until the campaign config names its own


def turn_cost_of(turn: TurnRecord, prices: PriceTable, sizing: FunctionSizing) -> TurnCost:
    attached = getattr(turn, "cost", None)
    if isinstance(attached, TurnCost):
        return attached
    if isinstance(attached, Mapping):
        return TurnCost.model_validate(attached)
    # A stored turn does not keep its request size: one API Gateway request unit is assumed.
    return cost_turn(turn_usage_from_timings(turn.timings_ms, sizing, api_request_bytes=0), prices)


def tts_characters(call: CallRecord, turns: Iterable[TurnRecord]) -> int:
    """Characters the bot voiced: the opening line and every reply."""
    return len(str(call.meta.get("opening", ""))) + sum(len(t.reply_text) for t in turns)


def connected_seconds(call: CallRecord, turns: Sequence[TurnRecord], prices: PriceTable) -> Decimal:
    stored = call.meta.get("connected_seconds")
    if stored is not None:
        return Decimal(str(stored))
    if not turns and call.outcome in ("no_answer", "failed"):
        return Decimal(0)
    return estimate_connected_seconds(
        bot_text=[str(call.meta.get("opening", "")), *(t.reply_text for t in turns)],
        caller_text=[t.transcript for t in turns],
        turns=len(turns),
        lang=call.lang,
        prices=prices,
        processing_ms=sum(t.timings_ms.get("workflow", 0.0) for t in turns),
    )


def cost_stored_call(
    call: CallRecord, turns: Sequence[TurnRecord], prices: PriceTable, sizing: FunctionSizing
) -> CallCost:
    return cost_call(
        call_id=call.call_id,
        campaign_id=call.campaign_id,
        outcome=call.outcome,
        turns=[turn_cost_of(t, prices, sizing) for t in turns],
        connected_seconds=connected_seconds(call, turns, prices),
        tts_characters=tts_characters(call, turns),
        prices=prices,
    )


def cost_stored_campaign(
    campaign_id: str,
    calls: Sequence[CallRecord],
    turns_by_call: Mapping[str, Sequence[TurnRecord]],
    prices: PriceTable,
    sizing: FunctionSizing,
    success_outcomes: Iterable[str] = DEFAULT_SUCCESS_OUTCOMES,
) -> tuple[list[CallCost], CampaignCost]:
    costs = [cost_stored_call(c, turns_by_call.get(c.call_id, []), prices, sizing) for c in calls]
    return costs, campaign_cost(campaign_id, costs, success_outcomes)
