"""Budget caps: the pure check, and a dial loop that pauses mid-run with nothing lost."""

from __future__ import annotations

from decimal import Decimal

from outdial.adapters.local import InProcessQueue
from outdial.billing.budget import Allowed, BudgetGuard, Refused, check_budget
from outdial.billing.cost import CallCost, cost_call
from outdial.billing.prices import shipped_table

PRICES = shipped_table()


def test_spend_below_the_cap_is_allowed_and_reaching_it_refuses() -> None:
    allowed = check_budget(Decimal("0.99"), Decimal("1.00"))
    assert isinstance(allowed, Allowed) and allowed.remaining_usd == Decimal("0.01")
    refused = check_budget(Decimal("1.00"), Decimal("1.00"))
    assert isinstance(refused, Refused) and refused.reason == "budget_cap_reached"
    assert "$1.000000 of the $1.000000 budget cap" in refused.detail
    assert isinstance(check_budget(Decimal("0.95"), Decimal("1.00"), reserve=Decimal("0.05")), Refused)
    assert isinstance(check_budget(Decimal("1e9"), None), Allowed)


def a_call(call_id: str) -> CallCost:
    return cost_call(call_id, "camp", "refused", [], Decimal(45), 300, PRICES)  # 0.014 + 0.0048


def test_the_cap_pauses_a_campaign_mid_run_and_every_contact_is_dialled_or_still_queued() -> None:
    now = [0.0]
    queue = InProcessQueue(clock=lambda: now[0], visibility_seconds=30)
    contacts = [f"contact-{i}" for i in range(10)]
    for contact in contacts:
        queue.send({"contact_id": contact})
    per_call = a_call("x").total_usd
    guard = BudgetGuard(cap_usd=per_call * 4 + Decimal("0.001"))  # room for 5 calls, not 6
    dialled: list[str] = []
    while True:
        messages = queue.receive(max_messages=1)
        if not messages:
            break
        decision = guard.before_dial()
        if isinstance(decision, Refused):
            break  # paused: the received contact is not acked, so it is redelivered later
        contact = messages[0].body["contact_id"]
        guard.record(a_call(f"call-{contact}"))
        dialled.append(contact)
        queue.ack(messages[0])
    assert len(dialled) == 5 and guard.last_refusal is not None
    assert guard.last_refusal.reason == "budget_cap_reached" and guard.spent_usd == per_call * 5
    assert len(queue) == 5  # the other five, including the one in hand when the cap hit

    # Raising the cap resumes where it stopped: the refused contact comes back; none twice.
    now[0] += 31
    guard.cap_usd = Decimal(100)
    while messages := queue.receive(max_messages=1):
        assert isinstance(guard.before_dial(), Allowed)
        dialled.append(messages[0].body["contact_id"])
        queue.ack(messages[0])
    assert sorted(dialled) == sorted(contacts) and len(queue) == 0


def test_a_guard_rebuilt_from_costed_calls_counts_each_call_once() -> None:
    calls = [a_call("a"), a_call("b"), a_call("a")]
    guard = BudgetGuard.from_calls(Decimal(1), calls)
    assert guard.spent_usd == a_call("a").total_usd * 2
