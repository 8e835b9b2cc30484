"""The `outdial` command line: the demo, the local API, and the model CLIs."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from outdial.billing.cli import cost_app, report
from outdial.campaign.cli import campaign_app
from outdial.config import get_settings
from outdial.models import Lang, normalise_lang

if TYPE_CHECKING:
    from outdial.calls import CallService
    from outdial.demo.runner import DemoCall

app = typer.Typer(help="outdial: serverless AI outbound calling (local mode).", no_args_is_help=True)
console = Console(width=None if sys.stdout.isatty() else 160)  # piped output: keep rows readable
app.add_typer(cost_app, name="cost")
app.add_typer(campaign_app, name="campaign")
app.command(name="report")(report)

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_CAMPAIGNS = {
    "zh": ("zh-loan-reminder", REPO_ROOT / "events" / "demo" / "contacts-zh-loan-reminder.csv"),
    "en": ("en-insurance-renewal", REPO_ROOT / "events" / "demo" / "contacts-en-insurance-renewal.csv"),
}


def _lang_option(value: str | None) -> Lang | None:
    if value is None:
        return None
    lang = normalise_lang(value)
    if lang not in ("zh", "en"):
        raise typer.BadParameter(f"unknown language {value!r}; use zh or en")
    return lang


@app.command()
def demo(
    campaign: Annotated[str, typer.Option(help="zh, en or all")] = "all",
    write_fixtures: Annotated[
        bool, typer.Option(help="render persona lines to fixture clips and exit")
    ] = False,
) -> None:
    """Run the simulated campaigns end to end and print a table per call."""
    from outdial.demo.personas import PERSONAS
    from outdial.demo.runner import run_campaign, stage_latencies
    from outdial.demo.voice import CalleeVoice
    from outdial.script import ScriptCatalog
    from outdial.wiring import call_service

    voice = CalleeVoice(REPO_ROOT / "events" / "audio" / "demo")
    catalog = ScriptCatalog.from_dirs()
    chosen = list(DEMO_CAMPAIGNS) if campaign == "all" else [campaign]
    if any(c not in DEMO_CAMPAIGNS for c in chosen):
        raise typer.BadParameter(f"campaign must be one of {sorted(DEMO_CAMPAIGNS)} or all")
    if write_fixtures:
        for key in chosen:
            script_id, _ = DEMO_CAMPAIGNS[key]
            lang = catalog.get(script_id).languages[0]
            for persona in PERSONAS[script_id].values():
                for text in {*(t for lines in persona.answers.values() for t in lines), persona.otherwise}:
                    if text:
                        console.print(f"wrote {voice.write_fixture(text, lang)}")
        return

    settings = get_settings()
    console.print(
        f"[bold]outdial demo[/bold] — local mode, state in {settings.home}, callee voice: {voice.engine}"
    )
    with console.status("loading models (ASR, intent, reply) and warming up…"):
        service = call_service(settings)
    for key in chosen:
        script_id, contacts = DEMO_CAMPAIGNS[key]
        total = sum(1 for _ in contacts.open(encoding="utf-8")) - 1
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(script_id, total=total)

            def advance(_: DemoCall, task_id: TaskID = task) -> None:
                progress.advance(task_id)

            campaign_id, calls = run_campaign(service, voice, catalog, script_id, contacts, advance)
        _print_campaign(campaign_id, calls, stage_latencies(calls))
        _print_costs(service, campaign_id, calls, catalog.get(script_id).success_outcomes, settings.home)


def _print_campaign(
    campaign_id: str, calls: list[DemoCall], latencies: Iterable[tuple[str, float, float]]
) -> None:
    for demo_call in calls:
        table = Table(
            title=f"{demo_call.contact.contact_id} · persona {demo_call.contact.persona.name} · "
            f"outcome [bold]{demo_call.turns[-1].outcome if demo_call.turns else '-'}[/bold]",
            title_justify="left",
            show_lines=False,
        )
        for column in ("#", "caller said → heard", "intent", "bot", "asr ms", "intent ms", "reply ms"):
            table.add_column(column, overflow="fold")
        table.add_row("0", "", "", demo_call.opening.text, "", "", "")
        for said, turn in zip(demo_call.said, demo_call.turns, strict=True):
            heard = f"{said or '(silence)'} → {turn.transcript or '∅'}"
            intent = (
                f"{turn.intent.value} {turn.confidence:.2f}"
                if turn.intent and turn.confidence is not None
                else "-"
            )
            if turn.fallback:
                intent += f" [red]fallback {turn.error or ''}[/red]"
            timing = [
                f"{turn.timings_ms[s]:.0f}" if s in turn.timings_ms else "-"
                for s in ("asr", "intent", "reply")
            ]
            table.add_row(str(turn.turn_index + 1), heard, intent, turn.reply_text, *timing)
        console.print(table)
    summary = Table(title=f"campaign {campaign_id}", title_justify="left")
    for column in ("stage", "p50 ms", "p95 ms"):
        summary.add_column(column)
    for stage, p50, p95 in latencies:
        summary.add_row(stage, f"{p50:.0f}", f"{p95:.0f}")
    outcomes: dict[str, int] = {}
    for demo_call in calls:
        outcome = demo_call.turns[-1].outcome if demo_call.turns else "failed"
        outcomes[str(outcome)] = outcomes.get(str(outcome), 0) + 1
    console.print(summary)
    console.print("outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))


def _print_costs(
    service: CallService, campaign_id: str, calls: list[DemoCall], success: Sequence[str], home: Path
) -> None:
    """Per-call cost, the campaign's cost per successful outcome, and the HTML report."""
    from outdial.billing.cli import cpa_line
    from outdial.billing.cost import FunctionSizing, usd
    from outdial.billing.ledger import cost_stored_campaign
    from outdial.billing.prices import load_price_table
    from outdial.billing.report import build_report, write_report

    prices, sizing = load_price_table(), FunctionSizing.from_env()
    records = [service.get_call(c.call.call_id) for c in calls]
    turns = {c.call.call_id: c.turns for c in calls}
    costs, campaign = cost_stored_campaign(campaign_id, records, turns, prices, sizing, success)
    table = Table(title=f"cost per call · {campaign_id} · prices {prices.version}", title_justify="left")
    for column in ("contact", "outcome", "turns", "compute+workflow", "telephony", "tts", "total"):
        table.add_column(column)
    for demo_call, cost in zip(calls, costs, strict=True):
        table.add_row(
            demo_call.contact.contact_id,
            cost.outcome,
            str(len(cost.turns)),
            usd(cost.turns_usd),
            usd(cost.telephony_usd),
            usd(cost.tts_usd),
            usd(cost.total_usd),
        )
    console.print(table)
    console.print(cpa_line(campaign))
    page = build_report(campaign_id, records, turns, costs, success, prices.version)
    console.print(f"report: {write_report(page, home / 'reports' / f'{campaign_id}.html')}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8080,
) -> None:
    """Run the API locally (uvicorn). Requests need `Authorization: Bearer <token>`."""
    import uvicorn

    from outdial.wiring import api_app

    settings = get_settings()
    token = settings.api_token or secrets.token_urlsafe(24)
    if not settings.api_token:
        console.print(f"API token (set OUTDIAL_API_TOKEN to choose one): [bold]{token}[/bold]")
    api = api_app(settings, api_token=token)
    uvicorn.run(api, host=host, port=port)


@app.command()
def classify(
    lang: Annotated[str | None, typer.Option(help="zh or en; detected when omitted")] = None,
) -> None:
    """Read UTF-8 lines on stdin; write one JSON object per line: text, intent, confidence, slots."""
    from outdial.nlu.classifier import IntentClassifier, classify_lines

    classifier = IntentClassifier.load(threads=get_settings().ort_threads)
    for result in classify_lines((line.rstrip("\n") for line in sys.stdin), _lang_option(lang), classifier):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@app.command()
def transcribe(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    lang: Annotated[str | None, typer.Option(help="zh or en; detected when omitted")] = None,
) -> None:
    """Transcribe audio files (WAV PCM16/μ-law/A-law, raw .ulaw/.alaw); one JSON object per file."""
    from outdial.asr.recognizer import transcribe_files

    for result in transcribe_files(files, _lang_option(lang)):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    app()
