"""`outdial cost compare` offline, and `cost show` / `report` over a stored local campaign."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from outdial.adapters.local import SqliteCallStore
from outdial.billing.cli import cost_app, report
from outdial.config import get_settings
from outdial.models import CallRecord, Slots, TurnRecord
from typer import Typer
from typer.testing import CliRunner

RUNNER = CliRunner()


def test_compare_runs_offline_and_prints_its_assumptions_and_sources() -> None:
    result = RUNNER.invoke(cost_app, ["compare", "--agent-hourly", "30"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "outdial (Lambda INT8 models)",
        "Transcribe + Lex + Polly",
        "human agent",
        "Assumptions",
    ):
        assert expected in out
    assert "https://aws.amazon.com/lambda/pricing/" in out and "30 USD per paid hour" in out
    # human agent: 30 / 60 / 0.75 = 0.666667 USD per talk minute before telephony
    assert "0.666667" in out


@pytest.fixture
def stored_campaign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("OUTDIAL_HOME", str(tmp_path))
    get_settings.cache_clear()
    store = SqliteCallStore(tmp_path / "outdial.db")
    for index, outcome in enumerate(["converted", "refused", "no_answer"]):
        call = CallRecord(
            call_id=f"call-{index}",
            campaign_id="camp-cli",
            contact_id=f"c{index}",
            phone="+14155550100",
            lang="en",
            script_id="en-insurance-renewal",
            status="completed",
            outcome=outcome,  # type: ignore[arg-type]
            node_id="end",
            started_at=f"2026-11-24T09:0{index}:00+00:00",
            turns=0 if outcome == "no_answer" else 1,
            meta={"opening": "Hi, this is the virtual assistant."},
        )
        store.put_call(call)
        if outcome != "no_answer":
            store.put_turn(
                TurnRecord(
                    call_id=call.call_id,
                    turn_id=f"{call.call_id}-000",
                    turn_index=0,
                    campaign_id="camp-cli",
                    node_before="greet",
                    node_after="end",
                    lang="en",
                    transcript="yes",
                    intent=None,
                    confidence=None,
                    slots=Slots(),
                    reply_text="Thank you, goodbye.",
                    reply_source="script",
                    fallback=False,
                    error=None,
                    error_cause=None,
                    timings_ms={"asr": 610.0, "intent": 20.0, "reply": 30.0, "workflow": 700.0},
                    started_at=call.started_at,
                    outcome=outcome,
                    end_call=True,
                )
            )
    store.close()
    yield "camp-cli"
    get_settings.cache_clear()


def test_show_prints_per_call_costs_and_the_campaign_cpa(stored_campaign: str) -> None:
    result = RUNNER.invoke(cost_app, ["show", stored_campaign], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert (
        "call-0" in result.output and "CPA $" in result.output and "1 successes (converted)" in result.output
    )
    one = RUNNER.invoke(cost_app, ["show", "call-0"], env={"COLUMNS": "200"})
    assert one.exit_code == 0 and "telephony" in one.output and "asr" in one.output


def test_report_writes_a_self_contained_page(stored_campaign: str, tmp_path: Path) -> None:
    app = Typer()
    app.command()(report)
    out = tmp_path / "report.html"
    result = RUNNER.invoke(app, [stored_campaign, "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") >= 5 and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in page and "camp-cli" in page
