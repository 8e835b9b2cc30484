"""AWS adapters for the ports: DynamoDB, S3, SQS and Step Functions through boto3.

Each adapter creates its client once, at construction (a Lambda builds its adapters at init,
so one client serves every warm invocation); tests pass a client of their own.

Call-store item layout in the single table (shared with the campaign store, whose GSI keys
never start with ``CAMPAIGN#``):

  call   pk=CALL#<call_id>  sk=META              gsi1pk=CAMPAIGN#<campaign_id>
                                                 gsi1sk=<started_at>#<call_id>   (GSI by_campaign)
  turn   pk=CALL#<call_id>  sk=TURN#<index:05d>

The record itself is a JSON string in ``body`` (as in the campaign store), so floats keep
their exact value and type; a few fields are copied next to it as native attributes for the
console and for queries, numbers as Decimal because DynamoDB rejects Python floats.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from outdial.errors import InvalidEventError, NotFoundError, WorkflowFailedError
from outdial.models import CallRecord, TurnRecord
from outdial.ports import QueueMessage

GSI_NAME = "by_campaign"
MAX_SQS_DELAY_SECONDS = 900  # SQS's own cap; the dialer keeps later attempts in the store
MAX_SQS_BATCH = 10
# The call-turn machine times itself out at 30 s; the sync call must outlive it to hear why.
WORKFLOW_READ_TIMEOUT_SECONDS = 35

# Adaptive retries back off on throttling, which matters on the hot path of a live call.
_DATA_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "adaptive", "max_attempts": 4},
    tcp_keepalive=True,
)
_S3_CONFIG = _DATA_CONFIG.merge(Config(read_timeout=15))  # audio and reports are larger
_SQS_CONFIG = _DATA_CONFIG.merge(Config(read_timeout=25))  # above the 20 s long-poll maximum
_SFN_CONFIG = Config(
    connect_timeout=2,
    read_timeout=WORKFLOW_READ_TIMEOUT_SECONDS,
    # Few attempts: a retried sync execution re-runs the caller's turn.
    retries={"mode": "adaptive", "max_attempts": 2},
    tcp_keepalive=True,
)

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def to_dynamo_number(value: float | int) -> Decimal:
    """A Decimal that prints as the float does (str is the shortest exact round trip)."""
    return Decimal(str(value))


def _attributes(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(value) for key, value in item.items() if value is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}


def _call_key(call_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"CALL#{call_id}"}, "sk": {"S": "META"}}


def _campaign_sort_key(started_at: str, call_id: str) -> str:
    return f"{started_at}#{call_id}"


class DynamoCallStore:
    """Calls and turns in the single table; calls listed per campaign through the GSI."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb", config=_DATA_CONFIG)

    def put_call(self, call: CallRecord) -> None:
        item = {
            "pk": f"CALL#{call.call_id}",
            "sk": "META",
            "gsi1pk": f"CAMPAIGN#{call.campaign_id}",
            "gsi1sk": _campaign_sort_key(call.started_at, call.call_id),
            "body": call.model_dump_json(),
            "call_id": call.call_id,
            "campaign_id": call.campaign_id,
            "status": call.status,
            "outcome": call.outcome,
            "started_at": call.started_at,
            "turns": call.turns,
        }
        self._client.put_item(TableName=self._table, Item=_attributes(item))

    def get_call(self, call_id: str) -> CallRecord:
        # Consistent: a turn reads the call it (or the previous turn) has just written.
        response = self._client.get_item(
            TableName=self._table,
            Key=_call_key(call_id),
            ConsistentRead=True,
            ProjectionExpression="body",
        )
        if "Item" not in response:
            raise NotFoundError(f"call {call_id!r} does not exist")
        return CallRecord.model_validate_json(_plain(response["Item"])["body"])

    def list_calls(self, campaign_id: str, limit: int = 100, after: str | None = None) -> list[CallRecord]:
        if limit <= 0:
            return []
        condition = "gsi1pk = :campaign"
        values: dict[str, Any] = {":campaign": {"S": f"CAMPAIGN#{campaign_id}"}}
        if after is not None:
            # The cursor is a call id (as in the SQLite store): its own sort key is where to resume.
            try:
                cursor = self.get_call(after)
            except NotFoundError:
                return []  # an unknown cursor has nothing after it, as locally
            condition += " AND gsi1sk > :after"
            values[":after"] = {"S": _campaign_sort_key(cursor.started_at, cursor.call_id)}
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": GSI_NAME,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ProjectionExpression": "body",
        }
        calls: list[CallRecord] = []
        for item in self._query(request, limit):
            calls.append(CallRecord.model_validate_json(_plain(item)["body"]))
        return calls

    def put_turn(self, turn: TurnRecord) -> None:
        item = {
            "pk": f"CALL#{turn.call_id}",
            "sk": f"TURN#{turn.turn_index:05d}",
            "body": turn.model_dump_json(),
            "turn_index": turn.turn_index,
            "intent": turn.intent.value if turn.intent is not None else None,
            "confidence": to_dynamo_number(turn.confidence) if turn.confidence is not None else None,
            "fallback": turn.fallback,
            "error": turn.error,
        }
        self._client.put_item(TableName=self._table, Item=_attributes(item))

    def list_turns(self, call_id: str) -> list[TurnRecord]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :turn)",
            "ExpressionAttributeValues": {":pk": {"S": f"CALL#{call_id}"}, ":turn": {"S": "TURN#"}},
            "ProjectionExpression": "body",
            "ConsistentRead": True,
        }
        return [TurnRecord.model_validate_json(_plain(item)["body"]) for item in self._query(request, None)]

    def _query(self, request: dict[str, Any], limit: int | None) -> Iterator[dict[str, Any]]:
        """Items in key order across pages (a page ends at 1 MB, whatever Limit says)."""
        produced = 0
        while True:
            if limit is not None:
                request["Limit"] = limit - produced
            page = self._client.query(**request)
            for item in page.get("Items", []):
                yield item
                produced += 1
            if "LastEvaluatedKey" not in page or (limit is not None and produced >= limit):
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class S3ObjectStore:
    """Objects in one bucket; keys follow the local store's rules so both accept the same keys."""

    def __init__(self, bucket: str, client: Any = None) -> None:
        self._bucket = bucket
        self._client = client or boto3.client("s3", config=_S3_CONFIG)

    @staticmethod
    def _check(key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise InvalidEventError(f"object key {key!r} is not a relative path inside the store")
        return key

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._client.put_object(
            Bucket=self._bucket, Key=self._check(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=self._check(key))
        except ClientError as exc:
            if _error_code(exc) in ("NoSuchKey", "404"):
                raise NotFoundError(f"object {key!r} does not exist") from exc
            raise
        body: bytes = response["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=self._check(key))
        except ClientError as exc:
            if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):  # HEAD has no body: a bare 404
                return False
            raise
        return True


class SqsQueue:
    """Dial attempts on an SQS queue: delay per message, visibility from the queue, ack = delete."""

    def __init__(self, queue_url: str, client: Any = None, wait_seconds: int = 0) -> None:
        if not 0 <= wait_seconds <= 20:
            raise ValueError(f"wait_seconds must be 0..20 (SQS long polling), got {wait_seconds}")
        self._url = queue_url
        self._wait = wait_seconds
        self._client = client or boto3.client("sqs", config=_SQS_CONFIG)

    def send(self, body: dict[str, Any], delay_seconds: int = 0) -> str:
        if not 0 <= delay_seconds <= MAX_SQS_DELAY_SECONDS:
            # Never clamp: a message delivered early would dial before it is due.
            raise ValueError(f"delay_seconds must be 0..{MAX_SQS_DELAY_SECONDS}, got {delay_seconds}")
        response = self._client.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            DelaySeconds=delay_seconds,
        )
        return str(response["MessageId"])

    def receive(self, max_messages: int = 10) -> Sequence[QueueMessage]:
        response = self._client.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=max(1, min(MAX_SQS_BATCH, max_messages)),
            WaitTimeSeconds=self._wait,
        )
        messages: list[QueueMessage] = []
        for raw in response.get("Messages", []):
            body = json.loads(raw["Body"])
            if not isinstance(body, dict):
                raise InvalidEventError(f"queue message {raw['MessageId']} is not a JSON object")
            messages.append(QueueMessage(raw["MessageId"], body, raw["ReceiptHandle"]))
        return messages

    def ack(self, message: QueueMessage) -> None:
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=message.receipt)


class StepFunctionsWorkflow:
    """Runs a call turn on the Express call-turn state machine and returns its output document.

    ``synchronous=True`` (production) is one StartSyncExecution request. ``synchronous=False``
    starts the execution and polls DescribeExecution instead: only for engines without
    StartSyncExecution (moto 5.2.1 answers it 404 "Not yet implemented" and runs every
    machine as STANDARD), so the integration tests can drive the real ASL through this class.
    """

    def __init__(
        self,
        state_machine_arn: str,
        client: Any = None,
        synchronous: bool = True,
        poll_seconds: float = 0.05,
        timeout_seconds: float = WORKFLOW_READ_TIMEOUT_SECONDS,
    ) -> None:
        self._arn = state_machine_arn
        self._client = client or boto3.client("stepfunctions", config=_SFN_CONFIG)
        self._synchronous = synchronous
        self._poll = poll_seconds
        self._timeout = timeout_seconds

    def run_turn(self, turn_input: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(turn_input, ensure_ascii=False)
        if self._synchronous:
            result = self._client.start_sync_execution(stateMachineArn=self._arn, input=payload)
        else:
            result = self._start_and_wait(payload)
        status = result.get("status")
        if status != "SUCCEEDED":
            error = result.get("error") or f"execution {status}"
            raise WorkflowFailedError(f"{error}: {result.get('cause', '')}")
        if "output" not in result:  # over 256 KB: Step Functions omits it (outputDetails.included)
            raise WorkflowFailedError("States.DataLimitExceeded: the execution output was not returned")
        output = json.loads(result["output"])
        if not isinstance(output, dict):
            raise WorkflowFailedError(f"States.Runtime: output is {type(output).__name__}, not an object")
        return output

    def _start_and_wait(self, payload: str) -> dict[str, Any]:
        # Always name the execution: moto names an unnamed one "None", so they would collide.
        started = self._client.start_execution(
            stateMachineArn=self._arn, name=uuid.uuid4().hex, input=payload
        )
        deadline = time.monotonic() + self._timeout
        while True:
            described: dict[str, Any] = self._client.describe_execution(executionArn=started["executionArn"])
            if described["status"] != "RUNNING":
                return described
            if time.monotonic() >= deadline:
                self._client.stop_execution(executionArn=started["executionArn"], error="States.Timeout")
                raise WorkflowFailedError(f"States.Timeout: no result after {self._timeout} s")
            time.sleep(self._poll)
