"""The AWS adapters against moto: the same behaviour the local adapters promise, on boto3."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from outdial.adapters.aws import (
    GSI_NAME,
    DynamoCallStore,
    S3ObjectStore,
    SqsQueue,
    StepFunctionsWorkflow,
)
from outdial.adapters.local import SqliteCallStore
from outdial.errors import InvalidEventError, NotFoundError, WorkflowFailedError
from outdial.models import CallRecord, Intent, Slots, TurnRecord
from outdial.ports import CallStore

from tests.support.moto_lambda import MOTO_SFN_CONFIG, REGION, create_role, rerunnable_state_machines

TABLE = "outdial-calls"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def create_table(client: Any) -> None:
    """The CallsTable's shape: pk/sk plus the by_campaign GSI (all attributes projected)."""
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gsi1pk", "gsi1sk")
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": GSI_NAME,
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


class PagedDynamo:
    """Delegates to a real (moto) client but ends every Query page after two items.

    DynamoDB ends a page at 1 MB whatever Limit says; moto never does, so this is how a
    test sees the adapter follow LastEvaluatedKey."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.pages = 0

    def query(self, **request: Any) -> Any:
        self.pages += 1
        return self._client.query(**dict(request, Limit=min(2, request.get("Limit", 2))))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def dynamo(aws: None) -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client)
    return client


def call(i: int, campaign: str = "k", second: int | None = None, **meta: Any) -> CallRecord:
    return CallRecord(
        call_id=f"c{i:03d}",
        campaign_id=campaign,
        contact_id=f"p{i}",
        phone="+14155550100",
        lang="en",
        script_id="en-insurance-renewal",
        node_id="greet",
        started_at=f"2026-11-24T09:00:{i if second is None else second:02d}+00:00",
        meta=meta,
    )


def turn(call_id: str, index: int, confidence: float | None = 0.8734120011329651) -> TurnRecord:
    return TurnRecord(
        call_id=call_id,
        turn_id=f"{call_id}-t{index}",
        turn_index=index,
        campaign_id="k",
        node_before="greet",
        node_after="disclose",
        lang="zh",
        transcript="我下周五还三千",
        intent=Intent.PROMISE_TO_PAY if confidence is not None else None,
        confidence=confidence,
        slots=Slots(date="2026-11-28", amount=3000.0, currency="CNY"),
        reply_text="好的，3,000元",
        reply_source="script",
        fallback=confidence is None,
        error=None if confidence is not None else "AudioDecodeError",
        error_cause=None,
        timings_ms={"asr": 812.4371, "asr.vad": 1e-7, "intent": 12.0, "reply": 0.1 + 0.2},
        started_at="2026-11-24T09:00:05.123456+00:00",
    )


# --- DynamoCallStore ----------------------------------------------------------------------------


def test_call_round_trips_with_floats_and_types_intact(dynamo: Any) -> None:
    store = DynamoCallStore(TABLE, client=dynamo)
    original = call(1, connected_seconds=42.0, ratio=0.1 + 0.2, nested={"tiny": 1e-7, "n": 3})
    store.put_call(original)
    loaded = store.get_call("c001")
    assert loaded == original
    # 42.0 must stay a float (a Decimal round trip would make it 42), 0.1+0.2 keep every digit
    assert isinstance(loaded.meta["connected_seconds"], float) and loaded.meta["ratio"] == 0.30000000000000004

    raw = dynamo.get_item(TableName=TABLE, Key={"pk": {"S": "CALL#c001"}, "sk": {"S": "META"}})["Item"]
    assert raw["gsi1pk"] == {"S": "CAMPAIGN#k"} and raw["gsi1sk"] == {"S": "2026-11-24T09:00:01+00:00#c001"}
    assert raw["status"] == {"S": "in_progress"} and raw["turns"] == {"N": "0"}


def test_turns_round_trip_in_index_order_with_decimal_projection(dynamo: Any) -> None:
    store = DynamoCallStore(TABLE, client=dynamo)
    turns = [turn("c001", i) for i in (2, 0, 11, 1)] + [turn("c001", 3, confidence=None)]
    for item in turns:
        store.put_turn(item)
    store.put_turn(turn("c002", 0))  # another call's turn must not leak in
    loaded = store.list_turns("c001")
    assert [t.turn_index for t in loaded] == [0, 1, 2, 3, 11]
    assert loaded == sorted(turns, key=lambda t: t.turn_index)
    assert loaded[0].timings_ms["reply"] == 0.1 + 0.2 and loaded[0].slots.amount == 3000.0

    raw = dynamo.get_item(TableName=TABLE, Key={"pk": {"S": "CALL#c001"}, "sk": {"S": "TURN#00011"}})["Item"]
    assert Decimal(raw["confidence"]["N"]) == Decimal("0.8734120011329651")
    assert float(raw["confidence"]["N"]) == 0.8734120011329651
    unknown = dynamo.get_item(TableName=TABLE, Key={"pk": {"S": "CALL#c001"}, "sk": {"S": "TURN#00003"}})
    assert "confidence" not in unknown["Item"] and "intent" not in unknown["Item"]  # no NULLs written
    assert store.list_turns("nobody") == []


def test_get_call_of_an_unknown_id_raises_not_found(dynamo: Any) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        DynamoCallStore(TABLE, client=dynamo).get_call("nope")


def test_list_calls_pages_like_the_sqlite_store(dynamo: Any, tmp_path: Path) -> None:
    paged = PagedDynamo(dynamo)
    stores: list[CallStore] = [DynamoCallStore(TABLE, client=paged), SqliteCallStore(tmp_path / "calls.db")]
    # Same-second starts order by call id; another campaign and an update must not disturb paging.
    records = [call(i, second=i // 2) for i in (4, 0, 6, 1, 3, 2, 5)] + [call(9, campaign="other")]
    for store in stores:
        for record in records:
            store.put_call(record)
        store.put_call(records[0].model_copy(update={"status": "completed", "turns": 3}))

    results = []
    for store in stores:
        pages: list[list[str]] = []
        after: str | None = None
        while True:
            page = store.list_calls("k", limit=3, after=after)
            pages.append([c.call_id for c in page])
            if len(page) < 3:
                break
            after = page[-1].call_id
        results.append(pages)
        assert store.list_calls("k", limit=3, after="no-such-call") == []
        assert store.list_calls("k", limit=100)[4].status == "completed"  # c004, updated in place
    assert results[0] == [["c000", "c001", "c002"], ["c003", "c004", "c005"], ["c006"]]
    assert results[0] == results[1]
    assert paged.pages > 4  # the 2-item pages were followed, not cut short


def test_list_turns_follows_pages(dynamo: Any) -> None:
    paged = PagedDynamo(dynamo)
    store = DynamoCallStore(TABLE, client=paged)
    for i in range(7):
        store.put_turn(turn("c001", i))
    assert [t.turn_index for t in store.list_turns("c001")] == list(range(7))
    assert paged.pages == 4


def test_default_client_is_built_from_the_environment(dynamo: Any) -> None:
    store = DynamoCallStore(TABLE)  # region and credentials from the environment, as in Lambda
    store.put_call(call(7))
    assert store.get_call("c007").call_id == "c007"


# --- S3ObjectStore ------------------------------------------------------------------------------


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket="outdial-objects")
    return client


def test_objects_round_trip_bytes_and_content_type(s3: Any) -> None:
    store = S3ObjectStore("outdial-objects", client=s3)
    audio = bytes(range(256)) * 10  # not UTF-8: must come back byte for byte
    store.put("calls/c1/t0.wav", audio, content_type="audio/wav")
    assert store.get("calls/c1/t0.wav") == audio and store.exists("calls/c1/t0.wav")
    head = s3.head_object(Bucket="outdial-objects", Key="calls/c1/t0.wav")
    assert head["ContentType"] == "audio/wav"


def test_missing_objects_raise_not_found_and_do_not_exist(s3: Any) -> None:
    store = S3ObjectStore("outdial-objects", client=s3)
    with pytest.raises(NotFoundError, match=r"missing\.csv"):
        store.get("campaigns/a/missing.csv")
    assert not store.exists("campaigns/a/missing.csv")


def test_object_keys_follow_the_local_stores_rules(s3: Any) -> None:
    store = S3ObjectStore("outdial-objects", client=s3)
    for key in ("", "/etc/passwd", "a/../../b"):
        with pytest.raises(InvalidEventError):
            store.put(key, b"x")


def test_other_s3_errors_are_not_mistaken_for_absence(aws: None) -> None:
    store = S3ObjectStore("no-such-bucket", client=boto3.client("s3", region_name=REGION))
    with pytest.raises(Exception) as raised:
        store.get("k")
    assert not isinstance(raised.value, NotFoundError)


# --- SqsQueue -----------------------------------------------------------------------------------


def make_queue(visibility_seconds: int = 30) -> tuple[SqsQueue, Any, str]:
    client = boto3.client("sqs", region_name=REGION)
    url = client.create_queue(
        QueueName="outdial-dial", Attributes={"VisibilityTimeout": str(visibility_seconds)}
    )["QueueUrl"]
    return SqsQueue(url, client=client), client, url


def test_queue_round_trips_json_bodies_and_ack_deletes(aws: None) -> None:
    queue, client, url = make_queue()
    sent = queue.send({"campaign_id": "k", "contact_id": "王", "attempt": 2, "score": 0.5})
    [message] = queue.receive()
    assert message.message_id == sent
    assert message.body == {"campaign_id": "k", "contact_id": "王", "attempt": 2, "score": 0.5}
    queue.ack(message)
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_queue_delays_messages_and_redelivers_unacked_ones(aws: None) -> None:
    queue, _, _ = make_queue(visibility_seconds=1)
    queue.send({"n": 1})
    queue.send({"n": 2}, delay_seconds=1)
    [first] = queue.receive()
    assert first.body == {"n": 1} and queue.receive() == []  # n=2 delayed, n=1 in flight
    time.sleep(1.2)
    redelivered = {m.body["n"]: m for m in queue.receive()}
    assert set(redelivered) == {1, 2} and redelivered[1].message_id == first.message_id
    for message in redelivered.values():
        queue.ack(message)
    time.sleep(1.2)
    assert queue.receive() == []  # acked: gone for good


def test_queue_receive_caps_the_batch_at_ten(aws: None) -> None:
    queue, _, _ = make_queue()
    for n in range(12):
        queue.send({"n": n})
    assert len(queue.receive(max_messages=50)) <= 10
    assert len(queue.receive(max_messages=0)) == 1  # SQS needs 1..10; 0 asks for the minimum


def test_queue_refuses_delays_sqs_cannot_honour(aws: None) -> None:
    queue, _, _ = make_queue()
    for delay in (-1, 901):
        with pytest.raises(ValueError, match="delay_seconds"):
            queue.send({"n": 1}, delay_seconds=delay)
    queue.send({"n": 1}, delay_seconds=900)  # the maximum itself is fine


def test_queue_rejects_a_message_that_is_not_an_object(aws: None) -> None:
    queue, client, url = make_queue()
    client.send_message(QueueUrl=url, MessageBody="[1, 2]")
    with pytest.raises(InvalidEventError, match="not a JSON object"):
        queue.receive()


# --- StepFunctionsWorkflow ------------------------------------------------------------------------

PASS_MACHINE = {
    "StartAt": "Reply",
    "States": {
        "Reply": {
            "Type": "Pass",
            "Parameters": {"call_id.$": "$.call_id", "score": 0.30000000000000004, "text": "好的"},
            "ResultPath": "$.reply",
            "End": True,
        }
    },
}
FAIL_MACHINE = {  # moto refuses "States." names in a Fail state (custom names must not use it)
    "StartAt": "Boom",
    "States": {"Boom": {"Type": "Fail", "Error": "ReplyStageGone", "Cause": "the reply stage is gone"}},
}
WAIT_MACHINE = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 30, "End": True}}}


def deploy(client: Any, name: str, definition: dict[str, Any]) -> str:
    arn: str = client.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=create_role(), type="EXPRESS"
    )["stateMachineArn"]
    return arn


@pytest.fixture
def sfn() -> Iterator[Any]:
    with mock_aws(config=MOTO_SFN_CONFIG), rerunnable_state_machines():
        yield boto3.client("stepfunctions", region_name=REGION)


def test_workflow_returns_the_parsed_output_of_each_execution(sfn: Any) -> None:
    workflow = StepFunctionsWorkflow(deploy(sfn, "pass", PASS_MACHINE), client=sfn, synchronous=False)
    for call_id in ("c1", "c2"):  # two runs: executions must not collide on a default name
        output = workflow.run_turn({"call_id": call_id})
        assert output == {
            "call_id": call_id,
            "reply": {"call_id": call_id, "score": 0.30000000000000004, "text": "好的"},
        }


def test_workflow_failure_raises_with_error_and_cause(sfn: Any) -> None:
    workflow = StepFunctionsWorkflow(deploy(sfn, "fail", FAIL_MACHINE), client=sfn, synchronous=False)
    with pytest.raises(WorkflowFailedError, match=r"^ReplyStageGone: the reply stage is gone$"):
        workflow.run_turn({"call_id": "c1"})


def test_workflow_gives_up_and_stops_an_execution_that_runs_too_long(sfn: Any) -> None:
    arn = deploy(sfn, "wait", WAIT_MACHINE)
    workflow = StepFunctionsWorkflow(arn, client=sfn, synchronous=False, timeout_seconds=0.3)
    with pytest.raises(WorkflowFailedError, match=r"^States\.Timeout"):
        workflow.run_turn({"call_id": "c1"})
    [execution] = sfn.list_executions(stateMachineArn=arn)["executions"]
    deadline = time.monotonic() + 5  # moto reflects the stop from its worker thread
    while sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution was never stopped"
        time.sleep(0.05)
    assert sfn.describe_execution(executionArn=execution["executionArn"])["status"] == "ABORTED"


# moto 5.2.1 answers StartSyncExecution with 404 "Not yet implemented", so the production path is
# checked with botocore's Stubber, which validates requests and responses against the API model.
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:outdial-call-turn"
EXECUTION = "arn:aws:states:us-east-1:123456789012:express:outdial-call-turn:x:y"


def stubbed(response: dict[str, Any], turn_input: dict[str, Any]) -> tuple[StepFunctionsWorkflow, Stubber]:
    client = boto3.client("stepfunctions", region_name=REGION)
    stubber = Stubber(client)
    base = {"executionArn": EXECUTION, "startDate": 0, "stopDate": 1}
    stubber.add_response(
        "start_sync_execution",
        dict(base, **response),
        {"stateMachineArn": ARN, "input": json.dumps(turn_input, ensure_ascii=False)},
    )
    stubber.activate()
    return StepFunctionsWorkflow(ARN, client=client), stubber


def test_sync_execution_output_is_parsed() -> None:
    document = {"call_id": "c1", "reply": {"text": "好的", "compute_ms": 1.25}}
    workflow, stubber = stubbed({"status": "SUCCEEDED", "output": json.dumps(document)}, {"call_id": "c1"})
    assert workflow.run_turn({"call_id": "c1"}) == document
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            {"status": "FAILED", "error": "States.Runtime", "cause": "bad path"},
            r"^States\.Runtime: bad path$",
        ),
        ({"status": "TIMED_OUT", "error": "States.Timeout", "cause": ""}, r"^States\.Timeout: $"),
        ({"status": "TIMED_OUT"}, r"^execution TIMED_OUT: $"),
        ({"status": "SUCCEEDED", "outputDetails": {"included": False}}, "DataLimitExceeded"),
    ],
)
def test_sync_execution_that_did_not_succeed_raises(response: dict[str, Any], message: str) -> None:
    workflow, _ = stubbed(response, {"call_id": "c1"})
    with pytest.raises(WorkflowFailedError, match=message):
        workflow.run_turn({"call_id": "c1"})
