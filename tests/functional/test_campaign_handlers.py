"""The three campaign Lambdas on moto (DynamoDB, S3, SQS) with the events/ fixtures:
upload event -> ingest -> scheduler -> SQS -> dialer, each batch delivered three times."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from outdial.campaign.records import Attempt, CampaignRecord, Contact, PlacementResult
from outdial.config import get_settings

from tests.support_lambda import FakeLambdaContext

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
ALL_DAY = [{"start": "00:00", "end": "23:59:59.999999"}]
CONFIG = {
    "campaign_id": "demo-zh",
    "script_id": "zh-loan-reminder",
    "lang": "zh",
    "default_region": "CN",
    "windows": {d: ALL_DAY for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
}


@dataclass
class RecordingPlacer:
    dials: list[str] = field(default_factory=list)

    def place(self, campaign: CampaignRecord, contact: Contact, attempt: Attempt) -> PlacementResult:
        self.dials.append(attempt.key)
        return PlacementResult(call_id=f"call-{attempt.key}", outcome="promised_to_pay")


def _load(module: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"campaign_fn_{module}", REPO / "functions" / "campaign" / f"{module}.py"
    )
    assert spec and spec.loader
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(
            TableName="calls",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_campaign",
                    "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [
                        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                    ],
                }
            ],
        )
        ddb.create_table(
            TableName="idempotency",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
        bucket = json.loads((EVENTS / "s3_object_created_eventbridge.json").read_text())["detail"]["bucket"][
            "name"
        ]
        boto3.client("s3").create_bucket(Bucket=bucket)
        queue_url = boto3.client("sqs").create_queue(QueueName="dial")["QueueUrl"]
        for name, value in {
            "BACKEND": "aws",
            "TABLE": "calls",
            "BUCKET": bucket,
            "QUEUE_URL": queue_url,
            "IDEMPOTENCY_TABLE": "idempotency",
            "STATE_MACHINE_ARN": "arn:aws:states:x",
        }.items():
            monkeypatch.setenv(f"OUTDIAL_{name}", value)
        get_settings.cache_clear()
        placer = RecordingPlacer()
        monkeypatch.setattr("outdial.campaign.wiring.call_placer", lambda settings: placer)
        yield {
            "bucket": bucket,
            "queue_url": queue_url,
            "placer": placer,
            "ingest": _load("ingest"),
            "scheduler": _load("scheduler"),
            "dialer": _load("dialer"),
        }
    get_settings.cache_clear()


def upload(aws: dict[str, Any]) -> None:
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket=aws["bucket"], Key="campaigns/demo-zh/campaign.json", Body=json.dumps(CONFIG).encode()
    )
    csv = (EVENTS / "demo" / "contacts-zh-loan-reminder.csv").read_bytes() + b"zh-999,12345,x,y,1,1,promise\n"
    s3.put_object(Bucket=aws["bucket"], Key="campaigns/demo-zh/contacts.csv", Body=csv)


def test_upload_event_ingests_good_rows_and_reports_the_bad_one(aws: dict[str, Any]) -> None:
    upload(aws)
    event = json.loads((EVENTS / "s3_object_created_eventbridge.json").read_text())
    result = aws["ingest"].handler(event, FakeLambdaContext())
    assert result["summary"]["imported"] == 8 and result["summary"]["rejected"] == 1
    again = aws["ingest"].handler(event, FakeLambdaContext())  # EventBridge may deliver twice
    assert again["summary"]["imported"] == 8
    report = boto3.client("s3").get_object(Bucket=aws["bucket"], Key="campaigns/demo-zh/import-report.json")
    assert json.loads(report["Body"].read())["problems"][0]["field"] == "phone"


def test_ingest_rejects_an_event_that_is_not_an_upload(aws: dict[str, Any]) -> None:
    from outdial.errors import InvalidEventError

    with pytest.raises(InvalidEventError):
        aws["ingest"].handler({"detail": {}}, FakeLambdaContext())


def test_each_dial_batch_three_times_dials_each_attempt_once(aws: dict[str, Any]) -> None:
    upload(aws)
    aws["ingest"].handler(
        json.loads((EVENTS / "s3_object_created_eventbridge.json").read_text()), FakeLambdaContext()
    )
    scheduled = aws["scheduler"].handler(
        json.loads((EVENTS / "scheduled_event.json").read_text()), FakeLambdaContext()
    )
    assert scheduled["queued"] == 0  # the upload started the campaign and queued all eight: none sent twice
    sqs = boto3.client("sqs")
    received = sqs.receive_message(QueueUrl=aws["queue_url"], MaxNumberOfMessages=10)["Messages"]
    received += sqs.receive_message(QueueUrl=aws["queue_url"], MaxNumberOfMessages=10).get("Messages", [])
    fixture = json.loads((EVENTS / "sqs_dial_batch.json").read_text())
    template = fixture["Records"][0]
    records = [template | {"messageId": m["MessageId"], "body": m["Body"]} for m in received]
    records.append(template | {"messageId": "poison", "body": "{not json"})
    for _ in range(3):
        response = aws["dialer"].handler({"Records": records}, FakeLambdaContext())
        assert response["batchItemFailures"] == [{"itemIdentifier": "poison"}]
    assert sorted(aws["placer"].dials) == [f"demo-zh:zh-00{i}:001" for i in range(1, 9)]
    # The fixture batch itself: attempts already settled or unknown are acknowledged, not dialled again.
    assert aws["dialer"].handler(fixture, FakeLambdaContext())["batchItemFailures"] == []
    assert len(aws["placer"].dials) == 8
    assert boto3.client("dynamodb").scan(TableName="idempotency", Select="COUNT")["Count"] == 8
