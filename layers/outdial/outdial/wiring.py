"""Builds adapters and services from Settings: the only place that knows which backend runs.

The domain receives ports; this module picks AWS or local adapters for them once, at init.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outdial.config import Settings
from outdial.ports import CallStore, Clock, ObjectStore, WorkflowRunner
from outdial.script import ScriptCatalog

if TYPE_CHECKING:
    from outdial.calls import CallService

REPO_ROOT = Path(__file__).resolve().parents[3]
ASL_PATH = Path(
    os.environ.get("OUTDIAL_ASL_PATH", REPO_ROOT / "infra" / "statemachine" / "call_turn.asl.json")
)


def object_store(settings: Settings) -> ObjectStore:
    if settings.backend == "aws":
        from outdial.adapters.aws import S3ObjectStore

        settings.require("bucket")
        assert settings.bucket is not None
        s3_store: ObjectStore = S3ObjectStore(settings.bucket)
        return s3_store
    from outdial.adapters.local import FsObjectStore

    return FsObjectStore(settings.home / "objects")


def call_store(settings: Settings) -> CallStore:
    if settings.backend == "aws":
        from outdial.adapters.aws import DynamoCallStore

        settings.require("table")
        assert settings.table is not None
        dynamo_store: CallStore = DynamoCallStore(settings.table)
        return dynamo_store
    from outdial.adapters.local import SqliteCallStore

    return SqliteCallStore(settings.home / "outdial.db")


@dataclass
class LocalStages:
    """The three stages with their models loaded once (the local twin of three warm Lambdas)."""

    settings: Settings
    objects: ObjectStore

    @cached_property
    def asr(self) -> Any:
        from outdial.asr.recognizer import SpeechRecognizer
        from outdial.stages import AsrStage

        recognizer = SpeechRecognizer.load(threads=self.settings.ort_threads)
        return AsrStage(recognizer, self.objects, self.settings.max_audio_bytes)

    @cached_property
    def classifier(self) -> Any:
        from outdial.nlu.classifier import IntentClassifier

        return IntentClassifier.load(threads=self.settings.ort_threads)

    @cached_property
    def intent(self) -> Any:
        from outdial.stages import IntentStage

        return IntentStage(self.classifier)

    @cached_property
    def reply(self) -> Any:
        from outdial.reply import ReplyEngine
        from outdial.stages import ReplyStage

        engine = ReplyEngine(ScriptCatalog.from_dirs(), self.classifier)
        engine.warm_up()
        return ReplyStage(engine)

    def resources(self) -> dict[str, Any]:
        return {
            "AsrFunctionArn": self.asr.handle,
            "IntentFunctionArn": self.intent.handle,
            "ReplyFunctionArn": self.reply.handle,
        }


def workflow(settings: Settings, objects: ObjectStore) -> WorkflowRunner:
    if settings.backend == "aws":
        from outdial.adapters.aws import StepFunctionsWorkflow

        settings.require("state_machine_arn")
        assert settings.state_machine_arn is not None
        step_functions: WorkflowRunner = StepFunctionsWorkflow(settings.state_machine_arn)
        return step_functions
    from outdial.adapters.local import LocalWorkflow

    return LocalWorkflow(ASL_PATH, LocalStages(settings, objects).resources())


def clock() -> Clock:
    from outdial.adapters.local import SystemClock

    return SystemClock()


def call_service(settings: Settings) -> CallService:
    """The CallService with every port bound for the configured backend."""
    from outdial.calls import CallService

    objects = object_store(settings)
    return CallService(
        store=call_store(settings),
        workflow=workflow(settings, objects),
        objects=objects,
        catalog=ScriptCatalog.from_dirs(),
        clock=clock(),
        fallbacks_before_transfer=settings.fallbacks_before_transfer,
        max_turns=settings.max_turns,
    )


def api_app(settings: Settings, api_token: str | None) -> Any:
    """The FastAPI app with calls and campaigns, every port bound for the configured backend."""
    from outdial.api.app import create_app
    from outdial.campaign.wiring import campaign_service

    service = call_service(settings)
    objects = object_store(settings)
    placer = None
    if settings.backend == "local":  # the simulated callee places local calls through this same service
        from outdial.campaign.placers import SimulatedCallPlacer
        from outdial.demo.voice import CalleeVoice

        placer = SimulatedCallPlacer(service, CalleeVoice(REPO_ROOT / "events" / "audio" / "demo"))
    campaigns = campaign_service(settings, placer=placer, objects=objects)
    service.on_turn = campaigns.on_turn
    return create_app(service, api_token, settings.max_audio_bytes, campaigns=campaigns, objects=objects)
