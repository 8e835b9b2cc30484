"""Builds the CampaignService from Settings: the only campaign module that knows the backend."""

from __future__ import annotations

from pathlib import Path

from outdial.campaign.ports import (
    CallPlacer,
    CallReader,
    CampaignStore,
    DialLog,
    DncList,
    IdempotencyStore,
    Pacer,
)
from outdial.campaign.service import CampaignService
from outdial.config import Settings
from outdial.ports import CampaignQueue, Clock, ObjectStore
from outdial.script import ScriptCatalog
from outdial.wiring import call_store, object_store

REPO_ROOT = Path(__file__).resolve().parents[4]
VOICE_FIXTURES = REPO_ROOT / "events" / "audio" / "demo"


def campaign_ports(settings: Settings) -> tuple[CampaignStore, DncList, DialLog, Pacer, IdempotencyStore]:
    if settings.backend == "aws":
        from outdial.campaign.aws_store import (
            DynamoCampaignStore,
            DynamoDialLog,
            DynamoDncList,
            DynamoPacer,
            PowertoolsIdempotencyStore,
        )

        settings.require("table", "idempotency_table")
        assert settings.table is not None and settings.idempotency_table is not None
        return (
            DynamoCampaignStore(settings.table),
            DynamoDncList(settings.table),
            DynamoDialLog(settings.table),
            DynamoPacer(settings.table),
            PowertoolsIdempotencyStore(settings.idempotency_table),
        )
    from outdial.campaign.local_store import (
        SqliteCampaignDb,
        SqliteCampaignStore,
        SqliteDialLog,
        SqliteDncList,
        SqliteIdempotencyStore,
        SqlitePacer,
    )

    db = SqliteCampaignDb(settings.home / "campaigns.db")
    return (
        SqliteCampaignStore(db),
        SqliteDncList(db),
        SqliteDialLog(db),
        SqlitePacer(db),
        SqliteIdempotencyStore(db),
    )


def dial_queue(settings: Settings) -> CampaignQueue:
    if settings.backend == "aws":
        from outdial.adapters.aws import SqsQueue  # type: ignore[import-not-found,unused-ignore]

        settings.require("queue_url")
        assert settings.queue_url is not None
        sqs: CampaignQueue = SqsQueue(settings.queue_url)
        return sqs
    from outdial.adapters.local import InProcessQueue

    return InProcessQueue()


def call_placer(settings: Settings) -> CallPlacer:
    if settings.backend == "aws":
        from outdial.campaign.placers import UnconfiguredCallPlacer

        return UnconfiguredCallPlacer()
    from outdial.campaign.placers import SimulatedCallPlacer
    from outdial.demo.voice import CalleeVoice
    from outdial.wiring import call_service

    return SimulatedCallPlacer(call_service(settings), CalleeVoice(VOICE_FIXTURES))


def campaign_service(
    settings: Settings,
    *,
    placer: CallPlacer | None = None,
    queue: CampaignQueue | None = None,
    clock: Clock | None = None,
    objects: ObjectStore | None = None,
) -> CampaignService:
    from outdial.wiring import clock as system_clock

    store, dnc, dial_log, pacer, idempotency = campaign_ports(settings)
    calls: CallReader = call_store(settings)
    return CampaignService(
        store=store,
        dnc=dnc,
        dial_log=dial_log,
        pacer=pacer,
        idempotency=idempotency,
        placer=call_placer(settings) if placer is None else placer,
        # `is None`, not `or`: an empty queue is falsy (it has __len__)
        queue=dial_queue(settings) if queue is None else queue,
        objects=object_store(settings) if objects is None else objects,
        clock=system_clock() if clock is None else clock,
        catalog=ScriptCatalog.from_dirs(),
        calls=calls,
    )
