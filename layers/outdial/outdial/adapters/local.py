"""Local adapters: real and persistent, for running outdial on one machine with no AWS account."""

from __future__ import annotations

import collections
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from outdial.errors import InvalidEventError, NotFoundError, WorkflowFailedError
from outdial.models import CallRecord, TurnRecord
from outdial.ports import QueueMessage
from outdial.workflow.asl import AslInterpreter, Execution

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    call_id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_by_campaign ON calls (campaign_id, started_at, call_id);
CREATE TABLE IF NOT EXISTS turns (
    call_id TEXT NOT NULL,
    turn_index INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (call_id, turn_index)
);
"""


class SqliteCallStore:
    """Calls and turns in one SQLite file (WAL, so the API and a campaign run can share it)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def put_call(self, call: CallRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO calls (call_id, campaign_id, started_at, body) VALUES (?, ?, ?, ?)",
                (call.call_id, call.campaign_id, call.started_at, call.model_dump_json()),
            )

    def get_call(self, call_id: str) -> CallRecord:
        with self._lock:
            row = self._db.execute("SELECT body FROM calls WHERE call_id = ?", (call_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"call {call_id!r} does not exist")
        return CallRecord.model_validate_json(row[0])

    def list_calls(self, campaign_id: str, limit: int = 100, after: str | None = None) -> list[CallRecord]:
        query = "SELECT body FROM calls WHERE campaign_id = ?"
        params: list[Any] = [campaign_id]
        if after is not None:
            query += " AND (started_at, call_id) > (SELECT started_at, call_id FROM calls WHERE call_id = ?)"
            params.append(after)
        query += " ORDER BY started_at, call_id LIMIT ?"
        params.append(limit)
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [CallRecord.model_validate_json(row[0]) for row in rows]

    def put_turn(self, turn: TurnRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO turns (call_id, turn_index, body) VALUES (?, ?, ?)",
                (turn.call_id, turn.turn_index, turn.model_dump_json()),
            )

    def list_turns(self, call_id: str) -> list[TurnRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM turns WHERE call_id = ? ORDER BY turn_index", (call_id,)
            ).fetchall()
        return [TurnRecord.model_validate_json(row[0]) for row in rows]

    def close(self) -> None:
        self._db.close()


class FsObjectStore:
    """Objects as files under a root directory; keys cannot escape it."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if len(key) > 1024 or any(len(part) > 255 for part in key.split("/")):
            raise InvalidEventError(f"object key is too long ({len(key)} characters; S3 allows 1024)")
        path = (self._root / key).resolve()
        if not key or key.startswith("/") or not path.is_relative_to(self._root):
            raise InvalidEventError(f"object key {key!r} is not a relative path inside the store")
        return path

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader never sees half an object

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFoundError(f"object {key!r} does not exist")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class InProcessQueue:
    """An in-process queue with SQS semantics that matter here: delays, visibility, ack."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, visibility_seconds: float = 30.0) -> None:
        self._clock = clock
        self._visibility = visibility_seconds
        self._lock = threading.Lock()
        self._ready: collections.deque[tuple[float, QueueMessage]] = collections.deque()
        self._in_flight: dict[str, tuple[float, QueueMessage]] = {}

    def send(self, body: dict[str, Any], delay_seconds: int = 0) -> str:
        message_id = uuid.uuid4().hex
        message = QueueMessage(message_id=message_id, body=json.loads(json.dumps(body)), receipt="")
        with self._lock:
            self._ready.append((self._clock() + delay_seconds, message))
        return message_id

    def receive(self, max_messages: int = 10) -> Sequence[QueueMessage]:
        now = self._clock()
        received: list[QueueMessage] = []
        with self._lock:
            for receipt, (deadline, message) in list(self._in_flight.items()):
                if deadline <= now:  # visibility timeout expired: redeliver, as SQS does
                    del self._in_flight[receipt]
                    self._ready.append((now, message))
            keep: collections.deque[tuple[float, QueueMessage]] = collections.deque()
            while self._ready:
                visible_at, message = self._ready.popleft()
                if visible_at <= now and len(received) < max_messages:
                    delivered = QueueMessage(message.message_id, message.body, uuid.uuid4().hex)
                    self._in_flight[delivered.receipt] = (now + self._visibility, message)
                    received.append(delivered)
                else:
                    keep.append((visible_at, message))
            self._ready = keep
        return received

    def ack(self, message: QueueMessage) -> None:
        with self._lock:
            self._in_flight.pop(message.receipt, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._ready) + len(self._in_flight)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class JsonlMetricsSink:
    """Metrics as JSON lines, the local twin of CloudWatch EMF."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()

    def record(
        self,
        name: str,
        value: float,
        unit: str,
        dimensions: dict[str, str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        line = json.dumps(
            {
                "ts": datetime.now(UTC).isoformat(),
                "name": name,
                "value": value,
                "unit": unit,
                "dimensions": dimensions or {},
                "metadata": metadata or {},
            },
            ensure_ascii=False,
        )
        with self._lock, self._path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class LocalWorkflow:
    """Runs the deployed call-turn ASL in-process, its Task resources bound to stage callables."""

    def __init__(self, asl_path: Path, resources: Mapping[str, Callable[[Any], Any]]) -> None:
        self._interpreter = AslInterpreter.from_file(asl_path, resources)
        self.last_execution: Execution | None = None

    def run_turn(self, turn_input: dict[str, Any]) -> dict[str, Any]:
        execution = self._interpreter.execute(turn_input)
        self.last_execution = execution
        if execution.status != "SUCCEEDED":
            raise WorkflowFailedError(f"{execution.error}: {execution.cause}")
        output: dict[str, Any] = execution.output
        return output
