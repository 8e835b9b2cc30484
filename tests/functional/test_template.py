"""template.yaml, the state machine definitions and the events/ fixtures, checked offline.

`sam validate --lint` is the SAM CLI's own check; cfn-lint 1.x validates the SAM template with
SAM schemas but never opens DefinitionUri, so the ASL is linted here with statelint, both as
written (placeholders) and as deployed (placeholders replaced by alias ARNs).
"""

from __future__ import annotations

import ast
import base64
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.routing import APIRoute
from outdial.api.app import TurnRequest, create_app
from outdial.audio.codecs import decode_raw
from outdial.calls import CallService
from outdial.campaign.records import DialMessage
from outdial.models import TurnInput, TurnState

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
EVENTS = ROOT / "events"
BIN = Path(sys.executable).parent
MODEL_FUNCTIONS = ("AsrFunction", "IntentFunction", "ReplyFunction")
# sam validate needs a region; the credentials only stop botocore looking for real ones.
OFFLINE_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "SAM_CLI_TELEMETRY": "0",
}


# ---------------------------------------------------------------------------------- helpers


@cache
def template() -> dict[str, Any]:
    """template.yaml with intrinsic tags decoded to their JSON form (!Ref x -> {"Ref": "x"})."""
    from cfnlint.decode import decode

    loaded, matches = decode(str(TEMPLATE_PATH))
    assert not matches and loaded is not None, f"template.yaml does not parse: {matches}"
    return cast(dict[str, Any], loaded)


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template()["Resources"].items() if v.get("Type") == kind}


def functions() -> dict[str, dict[str, Any]]:
    return resources("AWS::Serverless::Function")


def props(logical_id: str) -> dict[str, Any]:
    return cast(dict[str, Any], template()["Resources"][logical_id]["Properties"])


def sam_cli() -> Path | None:
    """OUTDIAL_SAM_CLI, else the project's .tools/sam venv (make sam-cli), else `sam` on PATH."""
    for candidate in (
        os.environ.get("OUTDIAL_SAM_CLI"),
        str(ROOT / ".tools/sam/bin/sam"),
        shutil.which("sam"),
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def require_sam() -> Path:
    sam = sam_cli()
    if sam is None:
        pytest.skip("SAM CLI not installed (`make sam-cli` puts it in .tools/sam; `make test` does that)")
    return sam


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=600
    )


def asl_files() -> list[Path]:
    return sorted((ROOT / "infra").rglob("*.asl.json"))


def fake_arn(placeholder: str) -> str:
    name = placeholder.removesuffix("Arn").removesuffix("Function").lower()
    return f"arn:aws:lambda:us-east-1:123456789012:function:outdial-dev-{name}:live"


PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def statelint(*args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / "statelint"
    return run([str(exe if exe.is_file() else "statelint"), *args])


def iter_statements(policies: Any) -> Iterator[dict[str, Any]]:
    """Inline statements in a SAM Policies list (or a PolicyDocument); templates are skipped."""
    items = policies if isinstance(policies, list) else [policies]
    for item in items:
        if isinstance(item, dict) and "Statement" in item:
            statements = item["Statement"]
            yield from statements if isinstance(statements, list) else [statements]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ------------------------------------------------------------------------ SAM CLI & linters


def test_sam_validate() -> None:
    sam = require_sam()
    result = run([str(sam), "validate", "--template", str(TEMPLATE_PATH)], **OFFLINE_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint() -> None:
    sam = require_sam()
    result = run([str(sam), "validate", "--lint", "--template", str(TEMPLATE_PATH)], **OFFLINE_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_clean_including_informational() -> None:
    exe = BIN / "cfn-lint"
    result = run(
        [str(exe if exe.is_file() else "cfn-lint"), "--include-checks", "I", "--", str(TEMPLATE_PATH)]
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("asl", asl_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_statelint_source_definition(asl: Path) -> None:
    result = statelint("--ignore=URI", str(asl))  # URI: the ${...} placeholders are not URIs yet
    assert result.returncode == 0, result.stdout + result.stderr


def state_machines() -> dict[str, dict[str, Any]]:
    return resources("AWS::Serverless::StateMachine")


@pytest.mark.parametrize("machine", sorted(state_machines()))
def test_statelint_rendered_definition(machine: str, tmp_path: Path) -> None:
    """The definition as Step Functions receives it, linted without ignoring anything."""
    properties = props(machine)
    text = (ROOT / properties["DefinitionUri"]).read_text()
    substitutions = properties["DefinitionSubstitutions"]
    rendered = PLACEHOLDER.sub(lambda m: fake_arn(m[1]) if m[1] in substitutions else m[0], text)
    assert "${" not in rendered, f"unsubstituted placeholders: {PLACEHOLDER.findall(rendered)}"
    path = tmp_path / "rendered.asl.json"
    path.write_text(rendered)
    result = statelint(str(path))
    assert result.returncode == 0, result.stdout + result.stderr


# -------------------------------------------------------------------------- wiring checks


@pytest.mark.parametrize("machine", sorted(state_machines()))
def test_definition_substitutions_are_exactly_the_placeholders_and_point_at_aliases(machine: str) -> None:
    properties = props(machine)
    definition = ROOT / properties["DefinitionUri"]
    assert definition.is_file(), f"{machine}: DefinitionUri {definition} does not exist"
    placeholders = set(PLACEHOLDER.findall(definition.read_text()))
    substitutions = properties["DefinitionSubstitutions"]
    assert placeholders == set(substitutions), (
        f"placeholders {placeholders} != substitutions {set(substitutions)}"
    )
    invokable = set()
    for key, value in substitutions.items():
        assert isinstance(value, dict) and "Ref" in value, (
            f"{key}: expected !Ref <Function>.Alias, got {value}"
        )
        function, _, attribute = str(value["Ref"]).partition(".")
        assert attribute == "Alias", f"{key}: must reference the alias ARN, not {value['Ref']}"
        assert "AutoPublishAlias" in props(function), f"{function} has no alias to reference"
        invokable.add(function)
    allowed = {
        p["LambdaInvokePolicy"]["FunctionName"]["Ref"]
        for p in properties.get("Policies", [])
        if isinstance(p, dict) and "LambdaInvokePolicy" in p
    }
    assert allowed == invokable, (
        f"{machine}: LambdaInvokePolicy for {allowed}, definition invokes {invokable}"
    )


@pytest.mark.parametrize("function", sorted(functions()))
def test_function_code_and_handler_exist(function: str) -> None:
    properties = props(function)
    code_dir = ROOT / properties["CodeUri"]
    assert code_dir.is_dir(), f"{function}: CodeUri {code_dir} is missing"
    module, _, attribute = properties["Handler"].rpartition(".")
    source = code_dir / f"{module.replace('.', '/')}.py"
    assert source.is_file(), f"{function}: handler module {source.relative_to(ROOT)} is missing"
    names = {
        node.name
        for node in ast.parse(source.read_text()).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    assert attribute in names, f"{function}: {source.relative_to(ROOT)} defines no `{attribute}`"


def test_every_layer_has_a_makefile_target() -> None:
    for logical_id, resource in resources("AWS::Serverless::LayerVersion").items():
        assert resource["Metadata"]["BuildMethod"] == "makefile", logical_id
        properties = resource["Properties"]
        assert properties["CompatibleRuntimes"] == ["python3.12"], logical_id
        build_arch = resource["Metadata"].get("BuildArchitecture", "x86_64")
        assert build_arch in properties["CompatibleArchitectures"], logical_id
        makefile = ROOT / properties["ContentUri"] / "Makefile"
        assert makefile.is_file(), f"{logical_id}: {makefile} missing"
        # make -n: the target exists and its recipe expands, without running it.
        result = run(["make", "-n", "-f", str(makefile), f"build-{logical_id}", "ARTIFACTS_DIR=/nonexistent"])
        assert result.returncode == 0, f"{logical_id}: {result.stderr}"


def test_runtime_layer_exists_per_architecture_and_functions_pick_by_parameter() -> None:
    layers = resources("AWS::Serverless::LayerVersion")
    for arch, logical_id, condition in (
        ("x86_64", "RuntimeLayerX86", "IsX86"),
        ("arm64", "RuntimeLayerArm64", "IsArm64"),
    ):
        assert layers[logical_id]["Metadata"]["BuildArchitecture"] == arch
        assert layers[logical_id]["Properties"]["CompatibleArchitectures"] == [arch]
        assert layers[logical_id]["Condition"] == condition
    globals_ = template()["Globals"]["Function"]
    assert globals_["Architectures"] == [{"Ref": "Architecture"}]
    assert {"Fn::If": ["IsArm64", {"Ref": "RuntimeLayerArm64"}, {"Ref": "RuntimeLayerX86"}]} in globals_[
        "Layers"
    ]


@pytest.mark.parametrize("function", MODEL_FUNCTIONS)
def test_model_functions_publish_an_alias_with_optional_provisioned_concurrency(function: str) -> None:
    properties = props(function)
    assert properties["AutoPublishAlias"] == "live"
    assert properties.get("AutoPublishAliasAllProperties") is True, (
        "a layer-only change must publish a version"
    )
    pc = properties["ProvisionedConcurrencyConfig"]
    condition, when_on, when_off = pc["Fn::If"]
    assert condition == "HasProvisionedConcurrency"
    assert when_on == {"ProvisionedConcurrentExecutions": {"Ref": "ProvisionedConcurrency"}}
    assert when_off == {"Ref": "AWS::NoValue"}
    assert template()["Conditions"]["HasProvisionedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ProvisionedConcurrency"}, 0]}]
    }
    memory = {"AsrFunction": "AsrMemorySize"}.get(function, "NluMemorySize")
    assert properties["MemorySize"] == {"Ref": memory}
    role = "AsrModelsLayer" if function == "AsrFunction" else "NluModelsLayer"
    assert {"Ref": role} in properties["Layers"]


def test_no_wildcard_actions_in_template_policies() -> None:
    offenders = []
    for logical_id, resource in template()["Resources"].items():
        properties = resource.get("Properties", {})
        documents = [properties.get("Policies", [])]
        if "PolicyDocument" in properties:
            documents.append(properties["PolicyDocument"])
        for document in documents:
            for statement in iter_statements(document):
                # A Deny with s3:* (TLS-only bucket policy) narrows access; it grants nothing.
                if statement.get("Effect") == "Deny":
                    continue
                offenders += [(logical_id, a) for a in as_list(statement.get("Action", [])) if "*" in str(a)]
        # SAM policy templates that expand to wildcard actions.
        for policy in as_list(properties.get("Policies", [])):
            if isinstance(policy, dict) and "SQSSendMessagePolicy" in policy:
                offenders.append((logical_id, "SQSSendMessagePolicy (sqs:SendMessage*)"))
    assert not offenders, f"wildcard actions: {offenders}"


TRANSLATE = """
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse
t = yaml_parse(open(sys.argv[1]).read())
for r in t["Resources"].values():
    for k in ("CodeUri", "ContentUri", "DefinitionUri"):
        if k in r.get("Properties", {}):
            r["Properties"][k] = "s3://bucket/key"
class NoManagedPolicies:
    def load(self):
        return {}
print(json.dumps(transform(t, {}, NoManagedPolicies())))
"""


def test_no_wildcard_actions_in_deployed_iam() -> None:
    """The roles SAM generates (policy templates expanded, event-source policies added)."""
    sam = require_sam()
    python = sam.resolve().parent / "python"
    if not python.is_file():
        pytest.skip(f"no python next to {sam} to import samtranslator from")
    result = run([str(python), "-c", TRANSLATE, str(TEMPLATE_PATH)], **OFFLINE_ENV)
    assert result.returncode == 0, result.stderr
    deployed = json.loads(result.stdout)["Resources"]
    offenders = []
    for logical_id, resource in deployed.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in iter_statements(policy["PolicyDocument"]):
                if statement.get("Effect") == "Allow":
                    offenders += [(logical_id, a) for a in as_list(statement["Action"]) if "*" in str(a)]
    assert not offenders, f"wildcard actions in generated roles: {offenders}"
    api_role = deployed["ApiFunctionRole"]["Properties"]["Policies"]
    actions = {
        a for p in api_role for s in iter_statements(p["PolicyDocument"]) for a in as_list(s["Action"])
    }
    assert "states:StartSyncExecution" in actions


def test_dial_queue_redrive_and_visibility() -> None:
    queue = props("DialQueue")
    dialer = props("DialerFunction")
    source = dialer["Events"]["DialAttempts"]["Properties"]
    assert source["Queue"] == {"Fn::GetAtt": ["DialQueue", "Arn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    window = source.get("MaximumBatchingWindowInSeconds", 0)
    assert queue["VisibilityTimeout"] >= 6 * dialer["Timeout"] + window, "AWS: >= 6 x timeout + window"
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DialDLQ", "Arn"]}


def test_outputs_name_what_clients_need() -> None:
    outputs = template()["Outputs"]
    for name in ("ApiUrl", "StateMachineArn", "CampaignBucketName", "DialQueueUrl", "CallsTableName"):
        assert name in outputs, name


# ------------------------------------------------------------------------------ API routes


def test_http_api_routes_match_the_fastapi_app() -> None:
    """One HttpApi event per FastAPI route, both ways: a new route is reachable, and the gateway
    forwards nothing the app does not serve."""
    app = create_app(cast(CallService, object()), api_token=None, max_audio_bytes=1000)
    # APIRoute: the app's own routes; FastAPI's docs/openapi routes are plain starlette Routes.
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    routed = {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for event in props("ApiFunction")["Events"].values()
        if event["Type"] == "HttpApi"
    }
    assert routed == served


# --------------------------------------------------------------------------------- events


def event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def test_every_event_fixture_parses() -> None:
    names = sorted(p.name for p in EVENTS.glob("*.json"))
    expected = {
        "apigw_post_turn.json",
        "apigw_get_call.json",
        "sfn_turn_input.json",
        "sfn_asr_task.json",
        "sfn_intent_task.json",
        "sfn_reply_task.json",
        "s3_object_created_eventbridge.json",
        "sqs_dial_batch.json",
        "scheduled_event.json",
    }
    assert expected <= set(names), f"missing fixtures: {expected - set(names)}"
    for name in names:
        assert isinstance(event(name), dict), name


def test_state_machine_fixtures_follow_the_contracts() -> None:
    TurnInput.model_validate(event("sfn_turn_input.json"))
    asr = TurnState.model_validate(event("sfn_asr_task.json"))
    intent = TurnState.model_validate(event("sfn_intent_task.json"))
    reply = TurnState.model_validate(event("sfn_reply_task.json"))
    # Each task sees what the states before it added, and nothing after.
    assert asr.asr is None and asr.nlu is None
    assert intent.asr is not None and intent.nlu is None
    assert reply.asr is not None and reply.nlu is not None and reply.reply is None


def test_asr_fixture_carries_real_telephone_speech() -> None:
    audio = TurnState.model_validate(event("sfn_asr_task.json")).audio
    assert (audio.encoding, audio.sample_rate) == ("mulaw", 8000)
    assert audio.b64 is not None
    payload = base64.b64decode(audio.b64)
    seconds = len(payload) / 8000
    assert 0.5 <= seconds <= 10, f"{seconds:.2f} s is not a short clip"
    samples = decode_raw(payload, "mulaw", 8000)
    rms = float((samples**2).mean() ** 0.5)
    assert rms > 0.01, f"RMS {rms:.4f}: this is silence, not speech"


def api_routes() -> set[str]:
    return {
        f"{e['Properties']['Method'].upper()} {e['Properties']['Path']}"
        for e in props("ApiFunction")["Events"].values()
        if e["Type"] == "HttpApi"
    }


@pytest.mark.parametrize("name", ["apigw_post_turn.json", "apigw_get_call.json"])
def test_http_api_fixtures_are_v2_payloads_for_real_routes(name: str) -> None:
    payload = event(name)
    assert payload["version"] == "2.0"
    assert payload["routeKey"] in api_routes()
    method, route = payload["routeKey"].split(" ", 1)
    assert payload["requestContext"]["http"]["method"] == method
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route))
    match = re.fullmatch(pattern, payload["rawPath"])
    assert match and match.groupdict() == payload["pathParameters"]
    assert "iam" in payload["requestContext"]["authorizer"], "the API is IAM-authorised"
    if method == "POST":
        TurnRequest.model_validate_json(payload["body"])


def eventbridge_matches(pattern: Any, value: str) -> bool:
    if isinstance(pattern, dict) and "wildcard" in pattern:
        regex = ".*".join(map(re.escape, str(pattern["wildcard"]).split("*")))
        return re.fullmatch(regex, value) is not None
    return bool(pattern == value)


def test_s3_fixture_matches_the_ingest_rule() -> None:
    payload = event("s3_object_created_eventbridge.json")
    rule = props("CampaignIngestFunction")["Events"]["ContactsUploaded"]["Properties"]["Pattern"]
    assert payload["source"] in rule["source"] and payload["detail-type"] in rule["detail-type"]
    key_patterns = rule["detail"]["object"]["key"]
    assert any(eventbridge_matches(p, payload["detail"]["object"]["key"]) for p in key_patterns)
    # The import report the function writes next to the list must not re-trigger it.
    assert not any(eventbridge_matches(p, "campaigns/demo-zh/import-report.json") for p in key_patterns)


def test_sqs_fixture_is_a_batch_of_dial_messages() -> None:
    records = event("sqs_dial_batch.json")["Records"]
    assert len(records) >= 2
    ids = [r["messageId"] for r in records]
    assert len(set(ids)) == len(ids), "ReportBatchItemFailures identifies records by messageId"
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        DialMessage.model_validate_json(record["body"])


def test_scheduled_fixture_is_an_eventbridge_schedule() -> None:
    payload = event("scheduled_event.json")
    assert payload["source"] == "aws.events" and payload["detail-type"] == "Scheduled Event"
    schedule = props("SchedulerFunction")["Events"]["EveryMinute"]
    assert schedule["Type"] == "Schedule" and schedule["Properties"]["Schedule"] == "rate(1 minute)"
