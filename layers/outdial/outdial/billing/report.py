"""The campaign report: one self-contained HTML page with inline SVG charts (no scripts, no
network): funnel, outcomes, cost per component, CPA, latency p50/p95 per stage, cold-start
share, and pre-dial refusals by compliance reason.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from outdial.billing.cost import CallCost, CampaignCost, campaign_cost, usd
from outdial.models import CallRecord, TurnRecord

NOT_ANSWERED = frozenset({"no_answer", "voicemail"})
LATENCY_STAGES = ("asr", "intent", "reply", "workflow")
_PALETTE = {
    "funnel": "#2f6fb0",
    "outcome": "#5a8f3c",
    "cost": "#b0662f",
    "p50": "#4c78a8",
    "p95": "#e45756",
    "cold": "#8e6bb8",
    "warm": "#d9d9e3",
    "refusal": "#a23b3b",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageLatency(_Frozen):
    stage: str
    samples: int
    p50_ms: float
    p95_ms: float


class CallRow(_Frozen):
    call_id: str
    contact_id: str
    outcome: str
    turns: int
    total_usd: Decimal


class ReportData(_Frozen):
    campaign_id: str
    generated_at: str
    price_table: str
    dialled: int
    answered: int
    converted: int
    cost: CampaignCost
    latency: list[StageLatency]
    invocations: int
    cold_starts: int
    refusals: dict[str, int]
    calls: list[CallRow]


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty sequence."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def stage_latencies(turns: Iterable[TurnRecord]) -> list[StageLatency]:
    samples: dict[str, list[float]] = {stage: [] for stage in LATENCY_STAGES}
    for turn in turns:
        for stage in LATENCY_STAGES:
            if stage in turn.timings_ms:
                samples[stage].append(turn.timings_ms[stage])
    return [
        StageLatency(stage=s, samples=len(v), p50_ms=percentile(v, 0.5), p95_ms=percentile(v, 0.95))
        for s, v in ((s, sorted(values)) for s, values in samples.items())
        if v
    ]


def build_report(
    campaign_id: str,
    calls: Sequence[CallRecord],
    turns_by_call: Mapping[str, Sequence[TurnRecord]],
    call_costs: Sequence[CallCost],
    success_outcomes: Iterable[str],
    price_table: str,
    refusals: Mapping[str, int] | None = None,
) -> ReportData:
    """Everything the page shows, computed from stored calls, their turns and their costs.

    ``refusals``: contacts the pre-dial compliance gate refused, counted by reason.
    """
    successes = set(success_outcomes)
    cost = campaign_cost(campaign_id, call_costs, successes)
    totals = {c.call_id: c.total_usd for c in call_costs}
    answered = sum(
        1 for c in calls if c.outcome not in NOT_ANSWERED and not (c.outcome == "failed" and c.turns == 0)
    )
    invocations = [i for c in call_costs for t in c.turns for i in t.invocations]
    return ReportData(
        campaign_id=campaign_id,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        price_table=price_table,
        dialled=len(calls),
        answered=answered,
        converted=sum(1 for c in calls if c.outcome in successes),
        cost=cost,
        latency=stage_latencies(t for c in calls for t in turns_by_call.get(c.call_id, ())),
        invocations=len(invocations),
        cold_starts=sum(1 for i in invocations if i.cold_start),
        refusals=dict(sorted((refusals or {}).items(), key=lambda kv: -kv[1])),
        calls=[
            CallRow(
                call_id=c.call_id,
                contact_id=c.contact_id,
                outcome=c.outcome,
                turns=c.turns,
                total_usd=totals.get(c.call_id, Decimal(0)),
            )
            for c in calls
        ],
    )


# ---------------------------------------------------------------- SVG


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    color: str,
    width: int = 560,
    label_width: int = 170,
    value_width: int = 110,
) -> str:
    """Horizontal bars: (label, value, text shown at the bar's end). Readable at a glance."""
    bar_height, gap, top = 22, 8, 8
    height = top + len(rows) * (bar_height + gap) + 4
    peak = max((value for _, value, _ in rows), default=0.0) or 1.0
    span = width - label_width - value_width
    parts = [
        f'<svg class="chart" role="img" aria-label="{_esc(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for index, (label, value, shown) in enumerate(rows):
        y = top + index * (bar_height + gap)
        length = max(2.0, span * value / peak) if value > 0 else 0.0
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" class="label">{_esc(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" rx="3" '
            f'fill="{color}"><title>{_esc(label)}: {_esc(shown)}</title></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" class="value">{_esc(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def paired_bar_chart(
    title: str, rows: Sequence[tuple[str, float, float]], names: tuple[str, str], width: int = 560
) -> str:
    """Two bars per label (p50 and p95), with a legend."""
    label_width, bar_height, pair_gap, top = 110, 14, 12, 28
    colors = (_PALETTE["p50"], _PALETTE["p95"])
    height = top + len(rows) * (2 * bar_height + pair_gap) + 4
    peak = max((max(a, b) for _, a, b in rows), default=0.0) or 1.0
    span = width - label_width - 90
    parts = [
        f'<svg class="chart" role="img" aria-label="{_esc(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, (name, color) in enumerate(zip(names, colors, strict=True)):
        x = label_width + i * 90
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{color}"/>'
            f'<text x="{x + 18}" y="15" class="label">{_esc(name)}</text>'
        )
    for index, (label, first, second) in enumerate(rows):
        y = top + index * (2 * bar_height + pair_gap)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height + 4}" text-anchor="end" class="label">'
            f"{_esc(label)}</text>"
        )
        for offset, (value, color) in enumerate(zip((first, second), colors, strict=True)):
            length = max(2.0, span * value / peak) if value > 0 else 0.0
            by = y + offset * bar_height
            parts.append(
                f'<rect x="{label_width}" y="{by}" width="{length:.1f}" height="{bar_height - 2}" '
                f'fill="{color}"/><text x="{label_width + length + 6:.1f}" y="{by + 11}" class="value">'
                f"{value:.0f} ms</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def share_ring(title: str, part: int, whole: int, size: int = 150) -> str:
    """A ring showing part/whole (cold starts among invocations)."""
    radius, stroke = 52, 18
    centre = size / 2
    circumference = 2 * math.pi * radius
    share = part / whole if whole else 0.0
    dash = circumference * share
    return (
        f'<svg class="chart" role="img" aria-label="{_esc(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f'<circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" stroke="{_PALETTE["warm"]}" '
        f'stroke-width="{stroke}"/>'
        f'<circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" stroke="{_PALETTE["cold"]}" '
        f'stroke-width="{stroke}" stroke-dasharray="{dash:.2f} {circumference:.2f}" '
        f'transform="rotate(-90 {centre} {centre})"/>'
        f'<text x="{centre}" y="{centre + 8}" text-anchor="middle" class="big">{share:.0%}</text>'
        "</svg>"
    )


# ---------------------------------------------------------------- page

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:24px;color:#1d1d1f;
background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 10px}
.meta{color:#666;font-size:13px;margin-bottom:18px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:18px}
.kpi{border:1px solid #e3e3e8;border-radius:8px;padding:10px 14px;min-width:130px}
.kpi b{display:block;font-size:20px}.kpi span{color:#666;font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(580px,1fr));gap:18px}
section{border:1px solid #e3e3e8;border-radius:8px;padding:14px}
.label{font-size:12px;fill:#333}.value{font-size:12px;fill:#111}.big{font-size:24px;font-weight:600;fill:#111}
table{border-collapse:collapse;font-size:12px;width:100%}td,th{border-bottom:1px solid #eee;padding:4px 6px;
text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.empty{color:#777;font-size:13px}
"""


def _kpi(value: str, label: str) -> str:
    return f'<div class="kpi"><b>{_esc(value)}</b><span>{_esc(label)}</span></div>'


def _share(part: Decimal, whole: Decimal) -> str:
    share = float(part / whole)
    return "<0.1%" if 0 < share < 0.001 else f"{share:.1%}"


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def render_report(data: ReportData) -> str:
    cost = data.cost
    funnel = bar_chart(
        "Funnel",
        [
            ("dialled", data.dialled, f"{data.dialled}"),
            ("answered", data.answered, f"{data.answered} ({_rate(data.answered, data.dialled)})"),
            ("converted", data.converted, f"{data.converted} ({_rate(data.converted, data.dialled)})"),
        ],
        _PALETTE["funnel"],
    )
    outcomes = bar_chart(
        "Outcomes",
        [(k, v, str(v)) for k, v in sorted(cost.outcomes.items(), key=lambda kv: -kv[1])],
        _PALETTE["outcome"],
    )
    total = cost.total_usd or Decimal(1)
    cost_rows = [
        (component, float(value), f"{usd(value)} ({_share(value, total)})")
        for component, value in sorted(cost.by_component.items(), key=lambda kv: -kv[1])
    ]
    costs = bar_chart("Cost per component", cost_rows, _PALETTE["cost"], label_width=120, value_width=170)
    latency = paired_bar_chart(
        "Latency per stage", [(s.stage, s.p50_ms, s.p95_ms) for s in data.latency], ("p50", "p95")
    )
    cold = share_ring("Cold-start share", data.cold_starts, data.invocations)
    refusals = (
        bar_chart(
            "Refusals by reason", [(k, v, str(v)) for k, v in data.refusals.items()], _PALETTE["refusal"]
        )
        if data.refusals
        else '<p class="empty">No contact was refused before dialling.</p>'
    )
    rows = "".join(
        f"<tr><td>{_esc(c.contact_id)}</td><td>{_esc(c.call_id)}</td><td>{_esc(c.outcome)}</td>"
        f'<td class="num">{c.turns}</td><td class="num">{_esc(usd(c.total_usd))}</td></tr>'
        for c in data.calls
    )
    cpa = usd(cost.cpa_usd) if cost.cpa_usd is not None else "no success yet"
    per_call = usd(cost.cost_per_call_usd) if cost.cost_per_call_usd is not None else "–"
    kpis = "".join(
        [
            _kpi(str(data.dialled), "calls dialled"),
            _kpi(_rate(data.converted, data.dialled), "converted"),
            _kpi(usd(cost.total_usd), "total spend"),
            _kpi(per_call, "cost per call"),
            _kpi(cpa, "cost per success (CPA)"),
            _kpi(_rate(data.cold_starts, data.invocations), "cold-start invocations"),
        ]
    )
    success = ", ".join(cost.success_outcomes) or "none configured"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>outdial report · {_esc(data.campaign_id)}</title>
<style>{_CSS}</style></head>
<body>
<h1>Campaign {_esc(data.campaign_id)}</h1>
<div class="meta">generated {_esc(data.generated_at)} · prices {_esc(data.price_table)} ·
success outcomes: {_esc(success)} · amounts in USD, to the micro-dollar</div>
<div class="kpis">{kpis}</div>
<div class="grid">
<section><h2>Funnel: dialled → answered → converted</h2>{funnel}</section>
<section><h2>Outcomes</h2>{outcomes}</section>
<section><h2>Where the money went</h2>{costs}</section>
<section><h2>Latency per stage (p50 / p95)</h2>{latency}</section>
<section><h2>Cold starts</h2>{cold}<p class="meta">{data.cold_starts} of {data.invocations}
Lambda invocations started a new execution environment.</p></section>
<section><h2>Refused before dialling, by compliance reason</h2>{refusals}</section>
</div>
<section style="margin-top:18px"><h2>Calls</h2>
<table><thead><tr><th>contact</th><th>call</th><th>outcome</th><th class="num">turns</th>
<th class="num">cost</th></tr></thead><tbody>{rows}</tbody>
<tfoot><tr><th colspan="4">total</th><th class="num">{_esc(usd(cost.total_usd))}</th></tr></tfoot></table>
</section>
</body></html>
"""


def write_report(data: ReportData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(data), encoding="utf-8")
    return path
