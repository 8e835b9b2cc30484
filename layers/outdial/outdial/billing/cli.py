"""`outdial cost ...` and `outdial report`: typer commands the main CLI mounts.

app.add_typer(cost_app, name="cost")
app.command(name="report")(report)
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from outdial.billing.compare import (
    Comparison,
    compare,
    mix_from_calls,
    mix_from_spec,
    read_mix_spec,
    reference_mix_spec,
)
from outdial.billing.cost import CallCost, CampaignCost, FunctionSizing, usd
from outdial.billing.ledger import DEFAULT_SUCCESS_OUTCOMES, cost_stored_call, cost_stored_campaign
from outdial.billing.prices import PriceTable, load_price_table
from outdial.billing.report import build_report, write_report
from outdial.errors import NotFoundError
from outdial.models import CallRecord, TurnRecord
from outdial.ports import CallStore

cost_app = typer.Typer(help="What calls and campaigns cost, and how that compares.", no_args_is_help=True)
console = Console()


def _store() -> CallStore:
    from outdial.config import get_settings
    from outdial.wiring import call_store

    return call_store(get_settings())


def _decimal(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise typer.BadParameter(f"{name}: {value!r} is not a number") from exc


def _campaign_calls(
    store: CallStore, campaign_id: str
) -> tuple[list[CallRecord], dict[str, list[TurnRecord]]]:
    calls: list[CallRecord] = []
    after: str | None = None
    while page := store.list_calls(campaign_id, limit=500, after=after):
        calls.extend(page)
        after = page[-1].call_id
    return calls, {c.call_id: store.list_turns(c.call_id) for c in calls}


def _prices(telephony_per_minute: str | None) -> PriceTable:
    prices = load_price_table()
    rate = _decimal(telephony_per_minute, "--telephony-per-minute")
    if rate is not None:
        prices = prices.with_values({"telephony.per_minute": rate}, "--telephony-per-minute")
    return prices


def _success(value: str | None, calls: list[CallRecord]) -> list[str]:
    """--success when given, else the success outcomes of the scripts the calls ran."""
    if value is not None:
        return [s.strip() for s in value.split(",") if s.strip()]
    from outdial.script import ScriptCatalog

    catalog = ScriptCatalog.from_dirs()
    chosen = {
        o for script_id in {c.script_id for c in calls} for o in catalog.get(script_id).success_outcomes
    }
    return sorted(chosen) or list(DEFAULT_SUCCESS_OUTCOMES)


@cost_app.command("compare")
def compare_command(
    mix: Annotated[
        Path | None,
        typer.Option(help="call mix JSON (see billing/prices/reference-mix.json)", dir_okay=False),
    ] = None,
    campaign: Annotated[str | None, typer.Option(help="measure the mix from this campaign's calls")] = None,
    agent_hourly: Annotated[str | None, typer.Option(help="human agent cost per paid hour, USD")] = None,
    agent_occupancy: Annotated[str | None, typer.Option(help="share of paid time on calls, 0-1")] = None,
    telephony_per_minute: Annotated[str | None, typer.Option(help="your carrier's USD per minute")] = None,
) -> None:
    """Cost per connected call-minute: outdial vs Transcribe+Lex+Polly vs a human agent (offline)."""
    prices = _prices(telephony_per_minute)
    sizing = FunctionSizing.from_env()
    if campaign is not None:
        store = _store()
        calls, turns = _campaign_calls(store, campaign)
        call_mix = mix_from_calls(
            f"campaign {campaign}", [cost_stored_call(c, turns[c.call_id], prices, sizing) for c in calls]
        )
    else:
        call_mix = mix_from_spec(read_mix_spec(mix) if mix else reference_mix_spec(), sizing, prices)
    result = compare(
        call_mix,
        prices,
        agent_hourly=_decimal(agent_hourly, "--agent-hourly"),
        agent_occupancy=_decimal(agent_occupancy, "--agent-occupancy"),
    )
    print_comparison(result)


def print_comparison(result: Comparison) -> None:
    table = Table(
        title=f"Cost per connected call-minute (USD) — prices {result.price_table}", title_justify="left"
    )
    for column in ("option", "speech + logic", "telephony", "total", "how"):
        table.add_column(column, overflow="fold", justify="right" if column in ("total",) else "left")
    for row in result.rows:
        table.add_row(
            row.option,
            f"{row.speech_and_logic_usd_per_minute:.6f}",
            f"{row.telephony_usd_per_minute:.6f}",
            f"{row.total_usd_per_minute:.6f}",
            row.how,
        )
    console.print(table)
    console.print("[bold]Assumptions[/bold]")
    for line in result.assumptions:
        console.print(f"  • {line}")
    sources = Table(title="Sources (price table entries used)", title_justify="left")
    for column in ("entry", "value", "unit", "source", "date", "assumption"):
        sources.add_column(column, overflow="fold")
    for path, quantity in result.sources:
        sources.add_row(
            path,
            format(quantity.value, "f"),
            quantity.unit,
            quantity.source,
            quantity.source_date,
            "yes" if quantity.assumption else "",
        )
    console.print(sources)


@cost_app.command("show")
def show_command(
    target: Annotated[str, typer.Argument(help="a call id or a campaign id")],
    success: Annotated[
        str | None, typer.Option(help="outcomes that count as success (default: the script's)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
) -> None:
    """Cost of one call (per turn and component) or of a campaign (per call, component, CPA)."""
    store = _store()
    prices = load_price_table()
    sizing = FunctionSizing.from_env()
    try:
        call = store.get_call(target)
    except NotFoundError:
        calls, turns = _campaign_calls(store, target)
        if not calls:
            raise typer.BadParameter(f"no call or campaign named {target!r}") from None
        costs, campaign = cost_stored_campaign(target, calls, turns, prices, sizing, _success(success, calls))
        if as_json:
            typer.echo(campaign.model_dump_json(indent=2))
        else:
            print_campaign_cost(campaign, costs)
        return
    cost = cost_stored_call(call, store.list_turns(call.call_id), prices, sizing)
    if as_json:
        typer.echo(cost.model_dump_json(indent=2))
    else:
        print_call_cost(cost)


def print_call_cost(cost: CallCost) -> None:
    table = Table(title=f"call {cost.call_id} · {cost.outcome} · {usd(cost.total_usd)}", title_justify="left")
    for column in ("turn", "lambda", "step functions", "api gateway", "total", "invocations"):
        table.add_column(column)
    for index, turn in enumerate(cost.turns, start=1):
        calls = ", ".join(
            f"{i.stage} {i.billed_ms} ms@{i.memory_mb} MB{' cold' if i.cold_start else ''}"
            for i in turn.invocations
        )
        table.add_row(
            str(index),
            usd(turn.lambda_usd),
            usd(turn.workflow_usd),
            usd(turn.api_gateway_usd),
            usd(turn.total_usd),
            calls,
        )
    table.add_row(
        "telephony", "", "", "", usd(cost.telephony_usd), f"{cost.telephony_billed_seconds} s billed"
    )
    table.add_row("tts", "", "", "", usd(cost.tts_usd), f"{cost.tts_characters} characters")
    console.print(table)


def print_campaign_cost(campaign: CampaignCost, costs: list[CallCost]) -> None:
    table = Table(title=f"campaign {campaign.campaign_id}", title_justify="left")
    for column in ("call", "outcome", "turns", "cost"):
        table.add_column(column)
    for cost in costs:
        table.add_row(cost.call_id, cost.outcome, str(len(cost.turns)), usd(cost.total_usd))
    table.add_row("total", "", "", usd(campaign.total_usd))
    console.print(table)
    parts = ", ".join(f"{k} {usd(v)}" for k, v in campaign.by_component.items())
    console.print(f"by component: {parts}")
    console.print(cpa_line(campaign))


def cpa_line(campaign: CampaignCost) -> str:
    """One line for the demo and the CLI: spend, successes, cost per success."""
    cpa = usd(campaign.cpa_usd) if campaign.cpa_usd is not None else "n/a (no success)"
    return (
        f"spend {usd(campaign.total_usd)} over {campaign.calls} calls · {campaign.successes} successes "
        f"({', '.join(campaign.success_outcomes)}) · CPA {cpa}"
    )


def report(
    campaign: Annotated[str, typer.Argument(help="campaign id")],
    out: Annotated[Path | None, typer.Option(help="HTML file to write")] = None,
    success: Annotated[
        str | None, typer.Option(help="outcomes that count as success (default: the script's)")
    ] = None,
    refusals: Annotated[
        Path | None, typer.Option(help="JSON {reason: count} of pre-dial refusals", dir_okay=False)
    ] = None,
) -> None:
    """Write the campaign's self-contained HTML report (funnel, costs, CPA, latency, cold starts)."""
    store = _store()
    prices = load_price_table()
    calls, turns = _campaign_calls(store, campaign)
    if not calls:
        raise typer.BadParameter(f"campaign {campaign!r} has no calls")
    costs, _ = cost_stored_campaign(campaign, calls, turns, prices, FunctionSizing.from_env())
    refused = (
        {str(k): int(v) for k, v in json.loads(refusals.read_text("utf-8")).items()} if refusals else None
    )
    data = build_report(campaign, calls, turns, costs, _success(success, calls), prices.version, refused)
    path = write_report(data, out or Path(f"outdial-report-{campaign}.html"))
    console.print(f"wrote {path}")
