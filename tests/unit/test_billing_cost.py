"""Cost arithmetic: hand-checked line items, and totals that equal their parts exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from outdial.billing.cost import (
    FunctionSizing,
    InvocationUsage,
    TurnUsage,
    campaign_cost,
    cost_call,
    cost_invocation,
    cost_turn,
    exact_sum,
    to_micro_usd,
    turn_usage_from_timings,
)
from outdial.billing.prices import PriceTable, load_price_table, shipped_table
from outdial.errors import ConfigError

PRICES = shipped_table()


def test_an_on_demand_invocation_is_gb_seconds_times_price_plus_the_request() -> None:
    cost = cost_invocation(InvocationUsage(stage="intent", memory_mb=1024, duration_ms=100.0), PRICES)
    # 0.1 s × 1 GB × 0.0000166667 + 0.0000002
    assert cost.total_usd == Decimal("0.00000166667") + Decimal("0.0000002")
    assert (cost.billed_ms, cost.cold_start, cost.exact) == (100, False, False)


def test_duration_rounds_up_to_the_millisecond_at_the_arm64_price() -> None:
    usage = InvocationUsage(stage="reply", architecture="arm64", memory_mb=2048, duration_ms=10.2)
    cost = cost_invocation(usage, PRICES)
    assert cost.billed_ms == 11
    assert cost.duration_usd == Decimal("0.011") * 2 * Decimal("0.0000133334")


def test_an_on_demand_cold_start_bills_init_and_invoke_together() -> None:
    usage = InvocationUsage(stage="asr", memory_mb=1024, duration_ms=99.2, init_duration_ms=900.5)
    cost = cost_invocation(usage, PRICES)
    assert (cost.billed_ms, cost.init_billed_ms, cost.cold_start) == (1000, 901, True)
    assert cost.duration_usd == Decimal("0.0000166667")


def test_provisioned_concurrency_uses_its_duration_price_and_does_not_bill_init_per_invocation() -> None:
    usage = InvocationUsage(
        stage="asr", memory_mb=512, duration_ms=250.0, init_duration_ms=1000.0, provisioned=True
    )
    cost = cost_invocation(usage, PRICES)
    assert (cost.billed_ms, cost.cold_start) == (250, False)
    assert cost.duration_usd == Decimal("0.25") * Decimal("0.5") * Decimal("0.0000097222")


def test_a_report_records_billed_duration_is_used_as_is() -> None:
    usage = InvocationUsage(stage="asr", memory_mb=1024, duration_ms=10.0, billed_duration_ms=3614)
    cost = cost_invocation(usage, PRICES)
    assert cost.exact and cost.billed_ms == 3614


def test_a_turn_adds_express_in_64mb_100ms_steps_and_api_gateway_per_512kb() -> None:
    usage = TurnUsage(
        invocations=[InvocationUsage(stage="intent", memory_mb=1024, duration_ms=100.0)],
        workflow_ms=850.0,
        api_request_bytes=600 * 1024,
    )
    turn = cost_turn(usage, PRICES)
    assert (turn.workflow_billed_ms, turn.workflow_billed_mb) == (900, 64)
    assert turn.workflow_usd == Decimal("0.000001") + Decimal("0.9") * Decimal("0.0625") * Decimal(
        "0.00001667"
    )
    assert turn.api_gateway_requests == 2 and turn.api_gateway_usd == Decimal("0.000002")
    assert turn.total_usd == turn.lambda_usd + turn.workflow_usd + turn.api_gateway_usd


def test_a_call_adds_telephony_in_the_carriers_increment_and_tts_characters() -> None:
    call = cost_call("c1", "camp", "converted", [], Decimal("61"), 1000, PRICES)
    assert call.telephony_billed_seconds == 120
    assert call.telephony_usd == Decimal("0.028")  # 2 minutes × 0.014
    assert call.tts_usd == Decimal("0.016")  # 1000 × 16 / 1e6
    assert call.total_usd == Decimal("0.044")


def test_timings_of_a_turn_record_become_one_invocation_per_stage_plus_the_api() -> None:
    sizing = FunctionSizing(memory_mb={"asr": 3008, "intent": 1024, "reply": 1024, "api": 512})
    usage = turn_usage_from_timings(
        {"asr": 640.0, "asr.encoder": 300.0, "intent": 22.0, "reply": 31.0, "workflow": 790.0},
        sizing,
        api_request_bytes=48_000,
    )
    assert [(i.stage, i.memory_mb, i.duration_ms) for i in usage.invocations] == [
        ("asr", 3008, 640.0),
        ("intent", 1024, 22.0),
        ("reply", 1024, 31.0),
        ("api", 512, 790.0),
    ]
    assert usage.workflow_ms == 790.0


def test_cpa_is_spend_over_the_configured_success_outcomes() -> None:
    calls = [
        cost_call("a", "camp", "converted", [], Decimal(60), 0, PRICES),
        cost_call("b", "camp", "refused", [], Decimal(60), 0, PRICES),
        cost_call("c", "camp", "no_answer", [], Decimal(0), 0, PRICES),
    ]
    campaign = campaign_cost("camp", calls, ["converted"])
    assert campaign.total_usd == Decimal("0.028") and campaign.successes == 1
    assert campaign.cpa_usd == Decimal("0.028000")
    assert campaign_cost("camp", calls, ["promised_to_pay"]).cpa_usd is None


usages = st.builds(
    InvocationUsage,
    stage=st.sampled_from(["asr", "intent", "reply", "api", "dialer"]),
    architecture=st.sampled_from(["x86_64", "arm64"]),
    memory_mb=st.integers(128, 10240),
    duration_ms=st.floats(0, 60_000, allow_nan=False),
    init_duration_ms=st.one_of(st.just(0.0), st.floats(0, 10_000, allow_nan=False)),
    provisioned=st.booleans(),
)
turn_usages = st.builds(
    TurnUsage,
    invocations=st.lists(usages, max_size=5),
    workflow_ms=st.floats(0, 30_000, allow_nan=False),
    workflow_memory_mb=st.one_of(st.none(), st.integers(1, 4096)),
    api_request_bytes=st.one_of(st.none(), st.integers(0, 5_000_000)),
)
calls_strategy = st.lists(
    st.tuples(
        st.lists(turn_usages, max_size=6),
        st.decimals(0, 7200, places=3, allow_nan=False, allow_infinity=False),
        st.integers(0, 20_000),
        st.sampled_from(["converted", "refused", "no_answer", "callback"]),
    ),
    max_size=8,
)


def _fraction(value: Decimal) -> Fraction:
    return Fraction(str(value))


@settings(max_examples=150, deadline=None)
@given(calls_strategy)
def test_call_and_campaign_totals_equal_the_sum_of_their_parts_exactly(drawn: list) -> None:  # type: ignore[type-arg]
    costs = []
    for index, (turns, seconds, characters, outcome) in enumerate(drawn):
        turn_costs = [cost_turn(t, PRICES) for t in turns]
        call = cost_call(f"call-{index}", "camp", outcome, turn_costs, seconds, characters, PRICES)
        # Parts summed independently, in exact rationals: no Decimal context involved.
        parts = [_fraction(i.total_usd) for t in turn_costs for i in t.invocations]
        parts += [_fraction(t.workflow_usd) + _fraction(t.api_gateway_usd) for t in turn_costs]
        parts += [_fraction(call.telephony_usd), _fraction(call.tts_usd)]
        assert _fraction(call.total_usd) == sum(parts, Fraction(0))
        assert _fraction(exact_sum(call.by_component().values())) == _fraction(call.total_usd)
        costs.append(call)
    campaign = campaign_cost("camp", costs, ["converted"])
    independent = sum((_fraction(c.total_usd) for c in costs), Fraction(0))
    assert _fraction(campaign.total_usd) == independent
    assert _fraction(exact_sum(campaign.by_component.values())) == independent
    assert to_micro_usd(campaign.total_usd) == round(independent * 1_000_000)
    assert sum(campaign.outcomes.values()) == len(costs)


def test_a_user_override_file_changes_only_what_it_names(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(json.dumps({"telephony": {"per_minute": {"value": "0.009"}}}), encoding="utf-8")
    table: PriceTable = load_price_table({"OUTDIAL_PRICE_TABLE": str(override)})
    assert table.telephony.per_minute.value == Decimal("0.009")
    assert table.telephony.per_minute.source == str(override) and table.telephony.per_minute.assumption
    assert table.telephony.per_minute.unit == PRICES.telephony.per_minute.unit
    assert table.lambda_.x86_64 == PRICES.lambda_.x86_64
    assert table.overridden_by == [str(override)]


def test_a_malformed_override_fails_naming_the_file(tmp_path: Path) -> None:
    override = tmp_path / "bad.json"
    override.write_text(json.dumps({"telephony": {"per_minute": {"value": "-1"}}}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        load_price_table({"OUTDIAL_PRICE_TABLE": str(override)})


def test_every_price_names_its_source_and_date_and_assumptions_are_marked() -> None:
    entries = dict(PRICES.entries())
    assert len(entries) > 25
    assert all(q.source and q.source_date for q in entries.values())
    assert entries["telephony.per_minute"].assumption and entries["human_agent.hourly"].assumption
    assert not entries["lambda.x86_64.duration_gb_second"].assumption
    assert PRICES.region == "us-east-1" and PRICES.version == "aws-us-east-1-2026-11"
