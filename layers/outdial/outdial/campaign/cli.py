"""`outdial campaign run <config>`: a whole campaign on this machine through the AWS path —
upload to the object store, the Object Created event, ingest, scheduler, queue, dialer, calls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from outdial.campaign.config import CampaignConfig, load_config
from outdial.campaign.contacts import ImportReport
from outdial.campaign.records import Funnel
from outdial.campaign.service import DialResult
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

campaign_app = typer.Typer(help="Outbound campaigns (local mode).", no_args_is_help=True)
console = Console()


def _start_time(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"--start: not an ISO 8601 date-time ({exc})") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@campaign_app.command()
def run(
    config_path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="campaign YAML/JSON")
    ],
    contacts: Annotated[
        Path | None, typer.Option(help="contacts CSV; default: the config's `contacts`")
    ] = None,
    start: Annotated[str | None, typer.Option(help="simulated start, ISO 8601 (default: now)")] = None,
    keep_id: Annotated[bool, typer.Option(help="use the config's campaign_id as is (no run suffix)")] = False,
) -> None:
    """Upload -> event -> validate -> queue -> dial -> turns -> outcomes, on a simulated clock."""
    from outdial.adapters.local import InProcessQueue
    from outdial.campaign.runner import LocalCampaignRunner, SimulatedClock
    from outdial.campaign.wiring import campaign_service
    from outdial.config import get_settings
    from outdial.wiring import object_store

    config = load_config(config_path)
    contacts_path = contacts or (config_path.parent / config.contacts if config.contacts else None)
    if contacts_path is None or not contacts_path.is_file():
        raise typer.BadParameter(f"contacts: no CSV at {contacts_path} (pass --contacts)")
    if not keep_id:
        config = CampaignConfig.model_validate(
            config.model_dump() | {"campaign_id": f"{config.campaign_id}-{uuid.uuid4().hex[:6]}"}
        )
    settings = get_settings()
    clock = SimulatedClock(_start_time(start))
    queue = InProcessQueue(clock=clock.monotonic)
    objects = object_store(settings)
    service = campaign_service(settings, queue=queue, clock=clock, objects=objects)
    cid = config.campaign_id
    console.print(
        f"[bold]campaign {cid}[/bold] — local mode, state in {settings.home}, "
        f"simulated clock from {clock.now():%Y-%m-%d %H:%M} UTC"
    )

    # The upload and the event, as S3 + EventBridge would deliver them to the ingest function.
    objects.put(f"campaigns/{cid}/campaign.json", config.model_dump_json().encode(), "application/json")
    contacts_key = f"campaigns/{cid}/contacts.csv"
    objects.put(contacts_key, contacts_path.read_bytes(), "text/csv")
    report = service.ingest_object(contacts_key)
    _print_import(report)

    total = report.summary.imported
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[clock]}"),
        console=console,
    ) as progress:
        task = progress.add_task("contacts settled", total=total, clock="")

        def advance(_: DialResult) -> None:
            pending = service.pending_contacts(cid)
            progress.update(task, completed=total - pending, clock=f"sim {clock.now():%a %m-%d %H:%M}Z")

        LocalCampaignRunner(service, queue, clock, on_result=advance).run(cid)
        progress.update(task, completed=total - service.pending_contacts(cid))
    _print_funnel(cid, service.get(cid).state, service.funnel(cid))


def _print_import(report: ImportReport) -> None:
    s = report.summary
    console.print(
        f"import ({s.encoding}): {s.rows} rows, {s.imported} imported, {s.rejected} rejected, "
        f"{s.duplicates} duplicate, {s.dnc_scrubbed} on DNC"
    )
    if report.problems:
        table = Table(title="rows not imported", title_justify="left")
        for column in ("row", "field", "kind", "reason"):
            table.add_column(column)
        for problem in report.problems:
            table.add_row(str(problem.row), problem.field, problem.kind, problem.reason)
        console.print(table)


def _print_funnel(campaign_id: str, state: str, funnel: Funnel) -> None:
    table = Table(title=f"funnel · {campaign_id} · {state}", title_justify="left")
    table.add_column("stage")
    table.add_column("contacts", justify="right")
    table.add_column("of contacts", justify="right")
    base = max(funnel.contacts, 1)
    for stage, count in (
        ("contacts", funnel.contacts),
        ("scheduled", funnel.scheduled),
        ("dialled", funnel.dialled),
        ("connected", funnel.connected),
        ("succeeded", funnel.succeeded),
    ):
        table.add_row(stage, str(count), f"{100 * count / base:.0f}%")
    console.print(table)
    console.print(
        f"attempts: {funnel.attempts}; outcomes: "
        + (", ".join(f"{k}={v}" for k, v in sorted(funnel.outcomes.items())) or "-")
    )
    console.print(
        "refusals: " + (", ".join(f"{k}={v}" for k, v in sorted(funnel.refusals.items())) or "none")
    )
