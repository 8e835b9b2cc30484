"""Budget caps: a pure check the dialer runs before each dial, and a guard that keeps the tally.

``check_budget`` decides; the caller acts (pauses the campaign and records the reason). A
refusal never drops work: the contact that was about to be dialled stays queued.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from outdial.billing.cost import CallCost, exact_sum, usd

BUDGET_CAP_REACHED: Literal["budget_cap_reached"] = "budget_cap_reached"


class Allowed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    allowed: Literal[True] = True
    spent_usd: Decimal
    cap_usd: Decimal | None
    remaining_usd: Decimal | None


class Refused(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    allowed: Literal[False] = False
    reason: Literal["budget_cap_reached"] = BUDGET_CAP_REACHED
    detail: str
    spent_usd: Decimal
    cap_usd: Decimal


BudgetDecision = Allowed | Refused


def check_budget(spent: Decimal, cap: Decimal | None, reserve: Decimal = Decimal(0)) -> BudgetDecision:
    """Refuse once spend (plus ``reserve``, e.g. the expected cost of the next call) reaches the cap.

    ``cap=None`` means no cap. Reaching the cap exactly refuses: the cap is the most to spend.
    """
    if cap is None:
        return Allowed(spent_usd=spent, cap_usd=None, remaining_usd=None)
    committed = exact_sum([spent, reserve])
    if committed >= cap:
        detail = f"spent {usd(spent)} of the {usd(cap)} budget cap"
        if reserve:
            detail += f" (with {usd(reserve)} reserved for the next call)"
        return Refused(detail=detail, spent_usd=spent, cap_usd=cap)
    return Allowed(spent_usd=spent, cap_usd=cap, remaining_usd=cap - committed)


class BudgetGuard:
    """A campaign's running spend against its cap. Not thread-safe: one per dialer loop."""

    def __init__(
        self, cap_usd: Decimal | None, spent_usd: Decimal = Decimal(0), reserve_usd: Decimal = Decimal(0)
    ) -> None:
        self.cap_usd = cap_usd
        self.reserve_usd = reserve_usd
        self._spent = spent_usd
        self._counted: set[str] = set()
        self.last_refusal: Refused | None = None

    @classmethod
    def from_calls(cls, cap_usd: Decimal | None, calls: Iterable[CallCost]) -> BudgetGuard:
        """Resume after a restart from the calls already costed (idempotent per call id)."""
        guard = cls(cap_usd)
        for call in calls:
            guard.record(call)
        return guard

    @property
    def spent_usd(self) -> Decimal:
        return self._spent

    def before_dial(self) -> BudgetDecision:
        decision = check_budget(self._spent, self.cap_usd, self.reserve_usd)
        if isinstance(decision, Refused):
            self.last_refusal = decision
        return decision

    def record(self, call: CallCost) -> None:
        """Add a finished call's cost once, however often it is reported."""
        if call.call_id in self._counted:
            return
        self._counted.add(call.call_id)
        self._spent = exact_sum([self._spent, call.total_usd])


class BudgetState(BaseModel):
    """What a paused campaign records about why it stopped."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    paused: bool
    reason: str | None = None
    detail: str | None = None
    spent_usd: Decimal = Field(default=Decimal(0))
    cap_usd: Decimal | None = None


def budget_state(guard: BudgetGuard) -> BudgetState:
    """What to persist with the campaign when the guard refused (or that it did not)."""
    refusal = guard.last_refusal
    return BudgetState(
        paused=refusal is not None,
        reason=refusal.reason if refusal else None,
        detail=refusal.detail if refusal else None,
        spent_usd=guard.spent_usd,
        cap_usd=guard.cap_usd,
    )
