"""One call-turn ASL, two engines: moto's Step Functions and the local interpreter must agree.

The deployed ``infra/statemachine/call_turn.asl.json`` runs in moto (its Lambda Tasks answered
in-process by the real handlers, functions/*/app.py, with the real INT8 models) and in
``LocalWorkflow`` (bound to those handlers' own stage objects). Per case the two output
documents must be equal except for timing fields, and both engines must walk the same states.

A Lambda error's Cause is compared by errorType and errorMessage only: stackTrace and
requestId come from different call stacks by construction, and the local interpreter's
``lambda_style_cause`` also formats the JSON differently (spaced separators, no requestId).
"""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws
from outdial.adapters.aws import StepFunctionsWorkflow
from outdial.adapters.local import LocalWorkflow
from outdial.artifacts import models_root
from outdial.audio.codecs import decode_audio
from outdial.config import get_settings
from outdial.errors import TransientStageError, WorkflowFailedError
from outdial.models import AsrOutput, AudioEncoding, Intent, IntentOutput, Lang
from outdial.reply import ReplyEngine
from outdial.script import ScriptCatalog
from outdial.stages import AsrStage, IntentStage, ReplyStage

from tests.fakes import CharNgramEncoder
from tests.support.moto_lambda import (
    MOTO_SFN_CONFIG,
    REGION,
    Handler,
    Invocation,
    create_functions,
    create_role,
    handlers_in_process,
    rerunnable_state_machines,
)
from tests.support_lambda import load_handler_module

REPO = Path(__file__).resolve().parents[2]
ASL_PATH = REPO / "infra" / "statemachine" / "call_turn.asl.json"
AUDIO = REPO / "events" / "audio"
# ASL placeholder (SAM DefinitionSubstitutions) -> Lambda function name and handler module
FUNCTIONS = {
    "AsrFunctionArn": ("outdial-asr", "asr"),
    "IntentFunctionArn": ("outdial-intent", "intent"),
    "ReplyFunctionArn": ("outdial-reply", "reply"),
}
TIMING_FIELDS = frozenset({"compute_ms", "stage_ms"})
EN_CONTEXT = {"name": "Jordan", "insurer": "Harbor Mutual", "premium": "842", "expiry_date": "December 15"}
ZH_CONTEXT = {"name": "王先生", "lender": "安心借", "amount": "3000", "due_date": "11月30日"}


# --- the two engines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One engine's answer: the output document, or the failure's error name."""

    output: dict[str, Any] | None
    error: str | None
    states: list[tuple[str, int]]  # (state name, attempts) in execution order


class Engines:
    def __init__(
        self,
        sfn: Any,
        state_machine_arn: str,
        local: LocalWorkflow,
        log: list[Invocation],
        names: dict[str, str],
    ) -> None:
        self.names = names  # ASL placeholder -> moto Lambda function name
        self._sfn = sfn
        self._arn = state_machine_arn
        self.aws = StepFunctionsWorkflow(state_machine_arn, client=sfn, synchronous=False)
        self.local = local
        self.invocations = log

    def run(self, turn_input: dict[str, Any]) -> tuple[Run, Run]:
        return self.run_moto(turn_input), self.run_local(turn_input)

    def run_moto(self, turn_input: dict[str, Any]) -> Run:
        output, error = _outcome(self.aws.run_turn, turn_input)
        newest = self._sfn.list_executions(stateMachineArn=self._arn)["executions"][0]
        events = self._sfn.get_execution_history(executionArn=newest["executionArn"], maxResults=1000)[
            "events"
        ]
        # Attempts as the local interpreter counts them: Lambda invocations of a Task, else 1.
        states: list[tuple[str, int]] = []
        for event in events:
            if event["type"].endswith("StateEntered"):
                states.append((event["stateEnteredEventDetails"]["name"], 0))
            elif event["type"] == "LambdaFunctionScheduled":
                states[-1] = (states[-1][0], states[-1][1] + 1)
        states = [(name, max(1, attempts)) for name, attempts in states]
        return Run(output, error, states)

    def run_local(self, turn_input: dict[str, Any]) -> Run:
        output, error = _outcome(self.local.run_turn, turn_input)
        execution = self.local.last_execution
        assert execution is not None
        return Run(output, error, [(state.name, state.attempts) for state in execution.states])


def _outcome(
    run_turn: Callable[[dict[str, Any]], dict[str, Any]], turn_input: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    try:
        return run_turn(copy.deepcopy(turn_input)), None
    except WorkflowFailedError as exc:  # both adapters word it "<Error>: <Cause>"
        return None, str(exc).split(":", 1)[0]


def render_definition(arns: Mapping[str, str]) -> str:
    """What SAM's DefinitionSubstitutions does to the ASL at deploy time."""
    text = ASL_PATH.read_text(encoding="utf-8")
    for placeholder, arn in arns.items():
        text = text.replace("${" + placeholder + "}", arn)
    assert "${" not in text, "a placeholder in the ASL has no substitution"
    return text


def as_handler(stage: Callable[[Any], Any]) -> Handler:
    """A bare Lambda handler around a stage (no powertools: for guards and stand-ins)."""

    def handler(event: Any, context: Any) -> Any:
        return stage(event)

    return handler


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    with mock_aws(config=MOTO_SFN_CONFIG), rerunnable_state_machines():
        yield


def deploy_engines(
    label: str, handlers: Mapping[str, Handler], stage_calls: Mapping[str, Callable[[Any], Any]]
) -> Iterator[Engines]:
    """Both engines over one set of stages; ``handlers`` and ``stage_calls`` keyed by placeholder.

    ``label`` keeps each deployment's functions apart (several fixtures share one moto account)."""
    names = {placeholder: f"{FUNCTIONS[placeholder][0]}-{label}" for placeholder in FUNCTIONS}
    arns = create_functions(list(names.values()))
    sfn = boto3.client("stepfunctions", region_name=REGION)
    state_machine_arn = sfn.create_state_machine(
        name=f"outdial-call-turn-{label}",
        definition=render_definition({p: arns[name] for p, name in names.items()}),
        roleArn=create_role(),
        type="EXPRESS",  # moto records every machine as STANDARD; the engine is the same
    )["stateMachineArn"]
    local = LocalWorkflow(ASL_PATH, stage_calls)
    with handlers_in_process({names[p]: handler for p, handler in handlers.items()}) as log:
        yield Engines(sfn, state_machine_arn, local, log, names)


# --- comparing outputs ----------------------------------------------------------------------------


def comparable(document: Any) -> Any:
    """The document without timing fields, and with a Lambda error's Cause reduced to its
    errorType and errorMessage (stack traces and request ids differ by construction)."""
    if isinstance(document, dict):
        result = {k: comparable(v) for k, v in document.items() if k not in TIMING_FIELDS}
        if isinstance(result.get("Cause"), str) and "Error" in result:
            try:
                cause = json.loads(result["Cause"])
            except ValueError:
                return result
            if isinstance(cause, dict) and "errorType" in cause:
                result["Cause"] = {"errorType": cause["errorType"], "errorMessage": cause["errorMessage"]}
        return result
    if isinstance(document, list):
        return [comparable(item) for item in document]
    return document


def assert_engines_agree(moto_run: Run, local_run: Run) -> None:
    assert moto_run.error == local_run.error
    assert comparable(moto_run.output) == comparable(local_run.output)
    assert moto_run.states == local_run.states


def turn_input(
    audio: bytes, lang: str | None, script_id: str, context: dict[str, str], encoding: str = "wav"
) -> dict[str, Any]:
    return {
        "call_id": "c-eq",
        "turn_id": "c-eq-t0",
        "turn_index": 0,
        "campaign_id": "eq",
        "script_id": script_id,
        "node_id": "greet",
        "lang": lang,
        "audio": {"encoding": encoding, "sample_rate": 8000, "b64": base64.b64encode(audio).decode("ascii")},
        "context": context,
    }


def clip(name: str) -> bytes:
    path = AUDIO / name
    if not path.is_file():
        pytest.skip(f"{path} not rendered (events/audio is produced by bench/render_clips.py)")
    return path.read_bytes()


GARBAGE_WAV = b"RIFF\x00\x00garbage"


def without(document: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != field}


# --- the real handlers ------------------------------------------------------------------------------


def missing_models(*roles: str) -> list[str]:
    return [role for role in roles if not (models_root() / role / "manifest.json").is_file()]


def skip_without_models(*roles: str) -> None:
    missing = missing_models(*roles)
    if missing:
        pytest.skip(
            f"model artifacts missing under {models_root()} for {', '.join(missing)} "
            "(python infra/models/build_asr.py / build_nlu.py build them)"
        )


def load_handlers(modules: list[str], home: Path) -> dict[str, ModuleType]:
    """Import functions/<module>/app.py as Lambda would (init once per process)."""
    # Handlers read settings at import: keep their local object store out of the work tree.
    previous = os.environ.get("OUTDIAL_HOME")
    os.environ["OUTDIAL_HOME"] = str(home)
    get_settings.cache_clear()
    try:
        return {module: load_handler_module(module) for module in modules}
    finally:
        if previous is None:
            os.environ.pop("OUTDIAL_HOME", None)
        else:
            os.environ["OUTDIAL_HOME"] = previous
        get_settings.cache_clear()


class UnreachableStageError(Exception):
    """Raised by a stage a case's path must never reach; the Error name would then say so."""


def unreachable(placeholder: str) -> Callable[[Any], Any]:
    def stage(event: Any) -> Any:
        raise UnreachableStageError(f"{placeholder} is not on this path")

    return stage


@pytest.fixture(scope="module")
def real_asr(aws: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    """The real ASR handler (functions/asr/app.py, real models); intent and reply are never
    reached on the failure paths, so they are guards that would show up as the Error."""
    skip_without_models("asr")
    asr = load_handlers(["asr"], tmp_path_factory.mktemp("outdial-home"))["asr"]
    guards = {p: unreachable(p) for p in ("IntentFunctionArn", "ReplyFunctionArn")}
    yield from deploy_engines(
        "real-asr",
        handlers={"AsrFunctionArn": asr.handler, **{p: as_handler(g) for p, g in guards.items()}},
        stage_calls={"AsrFunctionArn": asr.STAGE.handle, **guards},
    )


@pytest.fixture(scope="module")
def real(aws: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    """All three real handlers with the real models."""
    skip_without_models("asr", "nlu")
    modules = load_handlers([m for _, m in FUNCTIONS.values()], tmp_path_factory.mktemp("outdial-home"))
    yield from deploy_engines(
        "real",
        handlers={p: modules[m].handler for p, (_, m) in FUNCTIONS.items()},
        stage_calls={p: modules[m].STAGE.handle for p, (_, m) in FUNCTIONS.items()},
    )


@pytest.fixture(params=["real_asr", "real"])
def real_engines(request: pytest.FixtureRequest) -> Engines:
    engines: Engines = request.getfixturevalue(request.param)
    return engines


# Failure cases shared by the real-handler and the stand-in tests: (input, Error, fallback language)
FAILURE_CASES = [
    pytest.param(
        lambda: turn_input(GARBAGE_WAV, "en", "en-insurance-renewal", EN_CONTEXT),
        "AudioDecodeError",
        "en",
        id="unreadable-audio",
    ),
    pytest.param(  # lang zh picks the Mandarin fallback line
        lambda: without(turn_input(clip("zh_paid.wav"), "zh", "zh-loan-reminder", ZH_CONTEXT), "turn_id"),
        "InvalidEventError",
        "zh",
        id="missing-turn_id",
    ),
    pytest.param(  # lang null and no ASR result: ChooseFallbackLanguage's IsPresent/IsString guards
        lambda: turn_input(GARBAGE_WAV, None, "zh-loan-reminder", ZH_CONTEXT),
        "AudioDecodeError",
        "en",
        id="no-lang-anywhere",
    ),
]


def check_fallback(engines: Engines, turn: dict[str, Any], error: str, fallback_lang: str) -> None:
    before = len(engines.invocations)
    moto_run, local_run = engines.run(turn)
    assert_engines_agree(moto_run, local_run)
    assert [i.function_name for i in engines.invocations[before:]] == [engines.names["AsrFunctionArn"]]
    output = moto_run.output
    assert output is not None
    assert output["error"]["Error"] == error
    assert json.loads(output["error"]["Cause"])["errorType"] == error
    assert output["reply"]["source"] == "fallback" and output["reply"]["lang"] == fallback_lang
    assert output["reply"]["node_id"] == "greet"


def check_silence(engines: Engines) -> None:
    before = len(engines.invocations)
    moto_run, local_run = engines.run(turn_input(clip("silence.wav"), "zh", "zh-loan-reminder", ZH_CONTEXT))
    assert_engines_agree(moto_run, local_run)
    assert moto_run.output is not None and moto_run.output["asr"]["no_speech"]
    expected = [engines.names["AsrFunctionArn"], engines.names["ReplyFunctionArn"]]
    assert [i.function_name for i in engines.invocations[before:]] == expected


def check_missing_node_id(engines: Engines) -> None:
    # The fallback line itself reads $.node_id, so neither engine can recover from its absence.
    moto_run, local_run = engines.run(without(turn_input(GARBAGE_WAV, "en", "s", EN_CONTEXT), "node_id"))
    assert_engines_agree(moto_run, local_run)
    assert moto_run.error is not None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("clip_name", "lang", "script_id", "context"),
    [
        ("en_paid.wav", "en", "en-insurance-renewal", EN_CONTEXT),
        ("zh_paid.wav", "zh", "zh-loan-reminder", ZH_CONTEXT),
        ("zh_busy.wav", None, "zh-loan-reminder", ZH_CONTEXT),  # language detected from the audio
    ],
)
def test_a_spoken_turn_gives_the_same_document_on_both_engines(
    real: Engines, clip_name: str, lang: str | None, script_id: str, context: dict[str, str]
) -> None:
    moto_run, local_run = real.run(turn_input(clip(clip_name), lang, script_id, context))
    assert_engines_agree(moto_run, local_run)
    output = moto_run.output
    assert output is not None and "error" not in output, output
    assert output["asr"]["text"] and not output["asr"]["no_speech"]
    assert output["nlu"]["intent"] and output["reply"]["source"] in ("script", "faq")
    assert [name for name, _ in moto_run.states] == ["Transcribe", "HeardSpeech", "Understand", "Respond"]


@pytest.mark.slow
def test_silence_skips_the_intent_stage_on_both_engines(real: Engines) -> None:
    check_silence(real)


@pytest.mark.slow
@pytest.mark.parametrize(("make_input", "error", "fallback_lang"), FAILURE_CASES)
def test_a_failed_stage_ends_in_the_same_fallback_on_both_engines(
    real_engines: Engines, make_input: Callable[[], dict[str, Any]], error: str, fallback_lang: str
) -> None:
    check_fallback(real_engines, make_input(), error, fallback_lang)


@pytest.mark.slow
def test_an_event_without_node_id_fails_the_same_way_on_both_engines(real_engines: Engines) -> None:
    check_missing_node_id(real_engines)


# --- stand-in models: NOT the real-handler equivalence above ----------------------------------------
# The real stage classes (AsrStage, IntentStage, ReplyStage with the real ReplyEngine, scripts and
# audio codecs) bound to tiny stand-in models, so these run without build/models. They prove the
# moto path (in-process Lambda, error names, Catch, Retry) on its own, and cover what the real
# handlers cannot be made to do on demand: a transient error and its Retry.


class StandInRecognizer:
    """Real decoding (so bad audio is a real AudioDecodeError), energy for speech, a fixed text.

    Raises TransientStageError ``failures`` times first."""

    def __init__(self, text: str = "yes, speaking") -> None:
        self.text = text
        self.failures = 0

    def transcribe(
        self, audio: bytes, encoding: AudioEncoding, sample_rate: int, lang: Lang | None
    ) -> AsrOutput:
        samples = decode_audio(audio, encoding, sample_rate)
        if self.failures > 0:
            self.failures -= 1
            raise TransientStageError("recognizer busy")
        audio_ms = len(samples) / 16.0
        no_speech = float(np.sqrt(np.mean(np.square(samples)))) < 0.01 if len(samples) else True
        return AsrOutput(
            text="" if no_speech else self.text,
            lang=lang or "en",
            audio_ms=audio_ms,
            speech_ms=0.0 if no_speech else audio_ms,
            no_speech=no_speech,
            compute_ms=0.5,
        )


class FixedClassifier:
    def classify(self, text: str, lang: Lang, now: datetime | None = None) -> IntentOutput:
        return IntentOutput(intent=Intent.AFFIRM, confidence=0.93, compute_ms=1.0)


@pytest.fixture(scope="module")
def stand_in(aws: None) -> Iterator[tuple[Engines, StandInRecognizer]]:
    recognizer = StandInRecognizer()
    engine = ReplyEngine(ScriptCatalog.from_dirs(), CharNgramEncoder())
    stages: dict[str, Callable[[Any], Any]] = {
        "AsrFunctionArn": AsrStage(recognizer, None, 2_000_000).handle,
        "IntentFunctionArn": IntentStage(FixedClassifier()).handle,
        "ReplyFunctionArn": ReplyStage(engine).handle,
    }
    for engines in deploy_engines("stand-in", {p: as_handler(stage) for p, stage in stages.items()}, stages):
        yield engines, recognizer


@pytest.mark.parametrize(
    ("failures", "attempts", "expect_error"), [(0, 1, None), (1, 2, None), (2, 2, "TransientStageError")]
)
def test_stand_in_models_transient_errors_retry_alike(
    stand_in: tuple[Engines, StandInRecognizer], failures: int, attempts: int, expect_error: str | None
) -> None:
    """Retry MaxAttempts 2 = three tries: two failures recover, a third goes to the Catch."""
    engines, recognizer = stand_in
    document = turn_input(clip("en_paid.wav"), "en", "en-insurance-renewal", EN_CONTEXT)
    recognizer.failures = failures
    moto_run = engines.run_moto(document)
    recognizer.failures = failures
    local_run = engines.run_local(document)
    assert_engines_agree(moto_run, local_run)
    assert moto_run.states[0] == ("Transcribe", attempts)
    assert moto_run.output is not None
    assert (moto_run.output.get("error") or {}).get("Error") == expect_error
    assert (moto_run.output["reply"]["source"] == "fallback") == (expect_error is not None)


def test_stand_in_models_silence_skips_the_intent_stage_alike(
    stand_in: tuple[Engines, StandInRecognizer],
) -> None:
    check_silence(stand_in[0])


@pytest.mark.parametrize(("make_input", "error", "fallback_lang"), FAILURE_CASES)
def test_stand_in_models_failed_stage_ends_in_the_same_fallback(
    stand_in: tuple[Engines, StandInRecognizer],
    make_input: Callable[[], dict[str, Any]],
    error: str,
    fallback_lang: str,
) -> None:
    check_fallback(stand_in[0], make_input(), error, fallback_lang)


def test_stand_in_models_event_without_node_id_fails_alike(
    stand_in: tuple[Engines, StandInRecognizer],
) -> None:
    check_missing_node_id(stand_in[0])
