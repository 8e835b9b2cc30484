"""AWS adapters for the campaign ports: items in the CallsTable (single-table design) and
powertools idempotency on the IdempotencyTable.

Item layout (pk / sk; the sparse GSI `by_campaign` is gsi1pk / gsi1sk):
  campaign   CAMPAIGN#<id> / META                 gsi1 CAMPAIGNS / <id>
  contact    CAMPAIGN#<id> / CONTACT#<contact>
  attempt    CAMPAIGN#<id> / ATTEMPT#<key>        gsi1 QUEUE#<id>#<status> / <touched>  (pending only)
  dial event CAMPAIGN#<id> / EVENT#<cursor>
  pacing     CAMPAIGN#<id> / PACE#<minute>, CAMPAIGN#<id> / INFLIGHT
  DNC        DNC#<e164> / DNC                     gsi1 DNC / <e164>
  dial log   PHONE#<e164> / DIALS                 (the dials of the cap period, with a version)
Bodies are JSON strings, so floats never meet DynamoDB's Decimal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError
from outdial.campaign.ports import AlreadyInProgressError, ConflictError
from outdial.campaign.records import (
    Attempt,
    AttemptStatus,
    CampaignRecord,
    CampaignState,
    Contact,
    DialEvent,
    attempt_key,
    event_cursor,
    iso,
)
from outdial.errors import NotFoundError

GSI = "by_campaign"
PENDING_STATUSES = ("scheduled", "queued", "dialling")
CONFLICT = "ConditionalCheckFailedException"
CAS_RETRIES = 8


def _table(name: str) -> Any:
    return boto3.resource("dynamodb").Table(name)


def _conditional_failed(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == CONFLICT)


def _campaign_pk(campaign_id: str) -> str:
    return f"CAMPAIGN#{campaign_id}"


def _query_all(table: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = table.query(**kwargs)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class DynamoCampaignStore:
    def __init__(self, table_name: str) -> None:
        self._table = _table(table_name)

    # campaigns: state and spend live in their own attributes so they change atomically
    def create_campaign(self, record: CampaignRecord) -> None:
        try:
            self._table.put_item(
                Item={
                    "pk": _campaign_pk(record.campaign_id),
                    "sk": "META",
                    "gsi1pk": "CAMPAIGNS",
                    "gsi1sk": record.campaign_id,
                    "body": record.model_dump_json(),
                    "state": record.state,
                    "spent": Decimal(str(record.spent)),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                raise ConflictError(f"campaign {record.campaign_id!r} already exists") from exc
            raise

    @staticmethod
    def _record(item: dict[str, Any]) -> CampaignRecord:
        record = CampaignRecord.model_validate_json(item["body"])
        record.state = item["state"]
        record.spent = float(item.get("spent", 0))
        return record

    def get_campaign(self, campaign_id: str) -> CampaignRecord:
        item = self._table.get_item(Key={"pk": _campaign_pk(campaign_id), "sk": "META"}, ConsistentRead=True)
        if "Item" not in item:
            raise NotFoundError(f"campaign {campaign_id!r} does not exist")
        return self._record(item["Item"])

    def list_campaigns(self, limit: int, after: str | None = None) -> list[CampaignRecord]:
        condition = Key("gsi1pk").eq("CAMPAIGNS")
        if after:
            condition = condition & Key("gsi1sk").gt(after)
        items = self._table.query(IndexName=GSI, KeyConditionExpression=condition, Limit=limit).get(
            "Items", []
        )
        # The GSI is eventually consistent and projects keys only for sure: read each item.
        return [self.get_campaign(str(i["gsi1sk"])) for i in items]

    def save_campaign(self, record: CampaignRecord) -> None:
        self._table.update_item(
            Key={"pk": _campaign_pk(record.campaign_id), "sk": "META"},
            UpdateExpression="SET body = :b",
            ExpressionAttributeValues={":b": record.model_dump_json()},
        )

    def set_state(
        self, campaign_id: str, new: CampaignState, allowed_from: frozenset[CampaignState], at: datetime
    ) -> CampaignRecord:
        names = {f":s{i}": s for i, s in enumerate(sorted(allowed_from))}
        try:
            self._table.update_item(
                Key={"pk": _campaign_pk(campaign_id), "sk": "META"},
                UpdateExpression="SET #st = :new",
                ConditionExpression=f"attribute_exists(pk) AND #st IN ({', '.join(names)})",
                ExpressionAttributeNames={"#st": "state"},
                ExpressionAttributeValues={":new": new, **names},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                current = self.get_campaign(campaign_id)  # NotFoundError when absent
                raise ConflictError(
                    f"state: campaign {campaign_id!r} is {current.state}, cannot become {new}"
                ) from exc
            raise
        record = self.get_campaign(campaign_id)
        record.updated_at = at
        return record

    def charge(self, campaign_id: str, amount: float, cap: float | None) -> bool:
        values: dict[str, Any] = {":a": Decimal(str(amount))}
        condition = "attribute_exists(pk)"
        if cap is not None:
            condition += " AND spent <= :limit"
            values[":limit"] = Decimal(str(cap - amount + 1e-9))
        try:
            self._table.update_item(
                Key={"pk": _campaign_pk(campaign_id), "sk": "META"},
                UpdateExpression="SET spent = spent + :a",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    # contacts
    def put_contacts(self, contacts: Sequence[Contact]) -> None:
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for c in contacts:
                batch.put_item(
                    Item={
                        "pk": _campaign_pk(c.campaign_id),
                        "sk": f"CONTACT#{c.contact_id}",
                        "body": c.model_dump_json(),
                    }
                )

    def get_contact(self, campaign_id: str, contact_id: str) -> Contact:
        item = self._table.get_item(Key={"pk": _campaign_pk(campaign_id), "sk": f"CONTACT#{contact_id}"})
        if "Item" not in item:
            raise NotFoundError(f"contact {contact_id!r} is not in campaign {campaign_id!r}")
        return Contact.model_validate_json(item["Item"]["body"])

    def count_contacts(self, campaign_id: str) -> int:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(_campaign_pk(campaign_id))
            & Key("sk").begins_with("CONTACT#"),
            "Select": "COUNT",
        }
        total = 0
        while True:
            page = self._table.query(**kwargs)
            total += int(page.get("Count", 0))
            if "LastEvaluatedKey" not in page:
                return total
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # attempts
    @staticmethod
    def _attempt_item(attempt: Attempt) -> dict[str, Any]:
        touched = iso(
            attempt.started_at if attempt.status == "dialling" and attempt.started_at else attempt.due_at
        )
        item: dict[str, Any] = {
            "pk": _campaign_pk(attempt.campaign_id),
            "sk": f"ATTEMPT#{attempt.key}",
            "status": attempt.status,
            "generation": attempt.generation,
            "body": attempt.model_dump_json(),
        }
        if attempt.status in PENDING_STATUSES:  # sparse index: only what the scheduler may act on
            item["gsi1pk"] = f"QUEUE#{attempt.campaign_id}#{attempt.status}"
            item["gsi1sk"] = touched
        return item

    def add_attempt(self, attempt: Attempt) -> bool:
        try:
            self._table.put_item(
                Item=self._attempt_item(attempt), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def get_attempt(self, campaign_id: str, contact_id: str, number: int) -> Attempt:
        key = attempt_key(campaign_id, contact_id, number)
        item = self._table.get_item(
            Key={"pk": _campaign_pk(campaign_id), "sk": f"ATTEMPT#{key}"}, ConsistentRead=True
        )
        if "Item" not in item:
            raise NotFoundError(f"attempt {key!r} does not exist")
        return Attempt.model_validate_json(item["Item"]["body"])

    def update_attempt(
        self, attempt: Attempt, expected_status: AttemptStatus, expected_generation: int
    ) -> None:
        try:
            self._table.put_item(
                Item=self._attempt_item(attempt),
                ConditionExpression="#st = :es AND generation = :eg",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":es": expected_status, ":eg": expected_generation},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                raise ConflictError(f"attempt {attempt.key} is no longer {expected_status}") from exc
            raise

    def _pending(self, campaign_id: str, status: str, condition: Any, limit: int) -> list[Attempt]:
        items = self._table.query(
            IndexName=GSI,
            KeyConditionExpression=Key("gsi1pk").eq(f"QUEUE#{campaign_id}#{status}") & condition,
            Limit=limit,
        ).get("Items", [])
        found = []
        for item in items:  # the index lags the table: re-read and keep only what still matches
            number = int(str(item["sk"]).rsplit(":", 1)[1])
            contact_id = str(item["sk"]).removeprefix(f"ATTEMPT#{campaign_id}:").rsplit(":", 1)[0]
            attempt = self.get_attempt(campaign_id, contact_id, number)
            if attempt.status == status:
                found.append(attempt)
        return found

    def due_attempts(self, campaign_id: str, until: datetime, limit: int) -> list[Attempt]:
        return self._pending(campaign_id, "scheduled", Key("gsi1sk").lte(iso(until)), limit)

    def stale_attempts(self, campaign_id: str, status: AttemptStatus, before: datetime) -> list[Attempt]:
        return self._pending(campaign_id, status, Key("gsi1sk").lt(iso(before)), 1000)

    def list_attempts(
        self, campaign_id: str, limit: int, after: str | None = None, status: AttemptStatus | None = None
    ) -> list[Attempt]:
        pk = _campaign_pk(campaign_id)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with("ATTEMPT#"),
            "Limit": limit,
        }
        if status is not None:
            kwargs["FilterExpression"] = Attr("status").eq(status)
        if after:
            kwargs["ExclusiveStartKey"] = {"pk": pk, "sk": f"ATTEMPT#{after}"}
        found: list[Attempt] = []
        for item in _query_all(self._table, **kwargs):
            found.append(Attempt.model_validate_json(item["body"]))
            if len(found) == limit:
                break
        return found

    def latest_attempt(self, campaign_id: str, contact_id: str) -> Attempt | None:
        items = self._table.query(
            KeyConditionExpression=Key("pk").eq(_campaign_pk(campaign_id))
            & Key("sk").begins_with(f"ATTEMPT#{campaign_id}:{contact_id}:"),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        ).get("Items", [])
        return Attempt.model_validate_json(items[0]["body"]) if items else None

    def count_attempts(self, campaign_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in _query_all(
            self._table,
            KeyConditionExpression=Key("pk").eq(_campaign_pk(campaign_id))
            & Key("sk").begins_with("ATTEMPT#"),
            ProjectionExpression="#st",
            ExpressionAttributeNames={"#st": "status"},
        ):
            counts[str(item["status"])] = counts.get(str(item["status"]), 0) + 1
        return counts

    def has_pending(self, campaign_id: str) -> bool:
        return any(
            self._table.query(
                IndexName=GSI,
                KeyConditionExpression=Key("gsi1pk").eq(f"QUEUE#{campaign_id}#{status}"),
                Limit=1,
            ).get("Items")
            for status in PENDING_STATUSES
        )

    # dial log
    def log_event(self, event: DialEvent) -> None:
        self._table.put_item(
            Item={
                "pk": _campaign_pk(event.campaign_id),
                "sk": f"EVENT#{event_cursor(event)}",
                "body": event.model_dump_json(),
            }
        )

    def list_events(self, campaign_id: str, limit: int, after: str | None = None) -> list[DialEvent]:
        pk = _campaign_pk(campaign_id)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with("EVENT#"),
            "Limit": limit,
        }
        if after:
            kwargs["ExclusiveStartKey"] = {"pk": pk, "sk": f"EVENT#{after}"}
        found: list[DialEvent] = []
        for item in _query_all(self._table, **kwargs):
            found.append(DialEvent.model_validate_json(item["body"]))
            if len(found) == limit:
                break
        return found


class DynamoDncList:
    def __init__(self, table_name: str) -> None:
        self._table = _table(table_name)

    def add(self, phone: str, source: str, at: datetime) -> None:
        try:
            self._table.put_item(
                Item={
                    "pk": f"DNC#{phone}",
                    "sk": "DNC",
                    "gsi1pk": "DNC",
                    "gsi1sk": phone,
                    "source": source,
                    "added_at": iso(at),
                },
                ConditionExpression="attribute_not_exists(pk)",  # keep the first source
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def remove(self, phone: str) -> bool:
        response = self._table.delete_item(Key={"pk": f"DNC#{phone}", "sk": "DNC"}, ReturnValues="ALL_OLD")
        return "Attributes" in response

    def contains(self, phone: str) -> bool:
        return "Item" in self._table.get_item(Key={"pk": f"DNC#{phone}", "sk": "DNC"}, ConsistentRead=True)

    def list(self, limit: int, after: str | None = None) -> list[tuple[str, str, datetime]]:
        condition = Key("gsi1pk").eq("DNC")
        if after:
            condition = condition & Key("gsi1sk").gt(after)
        items = self._table.query(IndexName=GSI, KeyConditionExpression=condition, Limit=limit).get(
            "Items", []
        )
        return [
            (str(i["gsi1sk"]), str(i.get("source", "")), datetime.fromisoformat(str(i["added_at"])))
            for i in items
        ]


class DynamoDialLog:
    """One item per number holding its recent dial times; a versioned write makes `reserve` atomic."""

    def __init__(self, table_name: str) -> None:
        self._table = _table(table_name)

    def _read(self, phone: str) -> tuple[list[str], int]:
        item = self._table.get_item(Key={"pk": f"PHONE#{phone}", "sk": "DIALS"}, ConsistentRead=True).get(
            "Item"
        )
        if item is None:
            return [], 0
        return [str(t) for t in item.get("dials", [])], int(item["version"])

    def recent(self, phone: str, since: datetime) -> list[datetime]:
        dials, _ = self._read(phone)
        return [datetime.fromisoformat(t) for t in dials if t > iso(since)]

    def reserve(self, phone: str, at: datetime, since: datetime, cap: int) -> bool:
        for _ in range(CAS_RETRIES):
            dials, version = self._read(phone)
            kept = [t for t in dials if t > iso(since - timedelta(days=1))]  # prune what no cap looks at
            if sum(1 for t in kept if iso(since) < t <= iso(at)) >= cap:
                return False
            try:
                self._table.put_item(
                    Item={
                        "pk": f"PHONE#{phone}",
                        "sk": "DIALS",
                        "dials": [*kept, iso(at)],
                        "version": version + 1,
                    },
                    ConditionExpression="attribute_not_exists(pk) OR version = :v",
                    ExpressionAttributeValues={":v": version},
                )
                return True
            except ClientError as exc:
                if not _conditional_failed(exc):
                    raise
        raise ConflictError(f"dial log for {phone} kept changing; retry")


class DynamoPacer:
    def __init__(self, table_name: str) -> None:
        self._table = _table(table_name)

    def _add(
        self,
        sk: str,
        campaign_id: str,
        attribute: str,
        delta: int,
        limit: int | None,
        expires: int | None = None,
    ) -> bool:
        values: dict[str, Any] = {":d": delta}
        update = f"ADD {attribute} :d"
        condition = None
        if limit is not None:
            condition = f"attribute_not_exists({attribute}) OR {attribute} < :max"
            values[":max"] = limit
        if expires is not None:
            update += " SET expiration = :e"
            values[":e"] = expires
        kwargs: dict[str, Any] = {
            "Key": {"pk": _campaign_pk(campaign_id), "sk": sk},
            "UpdateExpression": update,
            "ExpressionAttributeValues": values,
        }
        if condition:
            kwargs["ConditionExpression"] = condition
        try:
            self._table.update_item(**kwargs)
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def acquire(self, campaign_id: str, at: datetime, per_minute: int, max_concurrent: int) -> bool:
        minute = f"PACE#{iso(at)[:16]}"
        if not self._add(minute, campaign_id, "dials", 1, per_minute, int(at.timestamp()) + 3600):
            return False
        if not self._add("INFLIGHT", campaign_id, "calls", 1, max_concurrent):
            self._add(minute, campaign_id, "dials", -1, None)
            return False
        return True

    def release(self, campaign_id: str) -> None:
        try:
            self._table.update_item(
                Key={"pk": _campaign_pk(campaign_id), "sk": "INFLIGHT"},
                UpdateExpression="ADD calls :d",
                ConditionExpression="calls > :zero",
                ExpressionAttributeValues={":d": -1, ":zero": 0},
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise


class PowertoolsIdempotencyStore:
    """powertools idempotency (DynamoDBPersistenceLayer, `id` + TTL `expiration`) behind the port."""

    def __init__(self, table_name: str, expires_after_seconds: int = 7 * 24 * 3600) -> None:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

        self._persistence = DynamoDBPersistenceLayer(table_name=table_name)
        self._config = IdempotencyConfig(
            event_key_jmespath="key", expires_after_seconds=expires_after_seconds
        )

    def register_lambda_context(self, context: Any) -> None:
        """Lets an in-progress record expire with the Lambda that holds it."""
        self._config.register_lambda_context(context)

    def run_once(self, key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

        @idempotent_function(  # type: ignore[untyped-decorator,unused-ignore]
            data_keyword_argument="request", persistence_store=self._persistence, config=self._config
        )
        def dial_once(request: dict[str, str]) -> dict[str, Any]:
            return action()

        try:
            result: dict[str, Any] = dial_once(request={"key": key})
        except IdempotencyAlreadyInProgressError as exc:
            raise AlreadyInProgressError(key) from exc
        return result
