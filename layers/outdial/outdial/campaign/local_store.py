"""Local adapters for the campaign ports: one SQLite file next to the call store.

Atomic steps (claiming an idempotency key, reserving a frequency-cap slot, charging the
budget) run inside BEGIN IMMEDIATE, so the API, a campaign run and tests can share the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from outdial.campaign.ports import AlreadyInProgressError, ConflictError
from outdial.campaign.records import (
    Attempt,
    AttemptStatus,
    CampaignRecord,
    CampaignState,
    Contact,
    DialEvent,
    event_cursor,
    iso,
)
from outdial.errors import NotFoundError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (campaign_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
    campaign_id TEXT NOT NULL, contact_id TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (campaign_id, contact_id));
CREATE TABLE IF NOT EXISTS attempts (
    campaign_id TEXT NOT NULL, akey TEXT NOT NULL, contact_id TEXT NOT NULL, number INTEGER NOT NULL,
    status TEXT NOT NULL, generation INTEGER NOT NULL, touched TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (campaign_id, akey));
CREATE INDEX IF NOT EXISTS attempts_by_status ON attempts (campaign_id, status, touched);
CREATE TABLE IF NOT EXISTS events (campaign_id TEXT NOT NULL, cursor TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (campaign_id, cursor));
CREATE TABLE IF NOT EXISTS dnc (phone TEXT PRIMARY KEY, source TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dials (phone TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dials_by_phone ON dials (phone, at);
CREATE TABLE IF NOT EXISTS pace (campaign_id TEXT NOT NULL, minute TEXT NOT NULL, dials INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, minute));
CREATE TABLE IF NOT EXISTS inflight (campaign_id TEXT PRIMARY KEY, calls INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, status TEXT NOT NULL, result TEXT);
"""


class SqliteCampaignDb:
    """The connection shared by the local campaign adapters."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
        self.db.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    def close(self) -> None:
        self.db.close()


def _touched(attempt: Attempt) -> str:
    # What "stale" is measured from: when a dial started, else when the attempt falls due.
    return iso(attempt.started_at if attempt.status == "dialling" and attempt.started_at else attempt.due_at)


class SqliteCampaignStore:
    def __init__(self, db: SqliteCampaignDb) -> None:
        self._db = db

    def create_campaign(self, record: CampaignRecord) -> None:
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO campaigns VALUES (?, ?)", (record.campaign_id, record.model_dump_json())
                )
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"campaign {record.campaign_id!r} already exists") from exc

    def get_campaign(self, campaign_id: str) -> CampaignRecord:
        rows = self._db.query("SELECT body FROM campaigns WHERE campaign_id = ?", (campaign_id,))
        if not rows:
            raise NotFoundError(f"campaign {campaign_id!r} does not exist")
        return CampaignRecord.model_validate_json(rows[0][0])

    def list_campaigns(self, limit: int, after: str | None = None) -> list[CampaignRecord]:
        rows = self._db.query(
            "SELECT body FROM campaigns WHERE campaign_id > ? ORDER BY campaign_id LIMIT ?",
            (after or "", limit),
        )
        return [CampaignRecord.model_validate_json(r[0]) for r in rows]

    def save_campaign(self, record: CampaignRecord) -> None:
        # Only the import summary and timestamps change here; state and spend have their own atomic paths.
        with self._db.transaction() as tx:
            current = self._read(tx, record.campaign_id)
            current.last_import, current.updated_at = record.last_import, record.updated_at
            self._write(tx, current)

    def set_state(
        self, campaign_id: str, new: CampaignState, allowed_from: frozenset[CampaignState], at: datetime
    ) -> CampaignRecord:
        with self._db.transaction() as tx:
            record = self._read(tx, campaign_id)
            if record.state not in allowed_from:
                raise ConflictError(f"state: campaign {campaign_id!r} is {record.state}, cannot become {new}")
            record.state, record.updated_at = new, at
            self._write(tx, record)
            return record

    def charge(self, campaign_id: str, amount: float, cap: float | None) -> bool:
        with self._db.transaction() as tx:
            record = self._read(tx, campaign_id)
            if cap is not None and record.spent + amount > cap + 1e-9:
                return False
            record.spent = round(record.spent + amount, 6)
            self._write(tx, record)
            return True

    @staticmethod
    def _read(tx: sqlite3.Connection, campaign_id: str) -> CampaignRecord:
        row = tx.execute("SELECT body FROM campaigns WHERE campaign_id = ?", (campaign_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"campaign {campaign_id!r} does not exist")
        return CampaignRecord.model_validate_json(row[0])

    @staticmethod
    def _write(tx: sqlite3.Connection, record: CampaignRecord) -> None:
        tx.execute(
            "UPDATE campaigns SET body = ? WHERE campaign_id = ?",
            (record.model_dump_json(), record.campaign_id),
        )

    def put_contacts(self, contacts: Sequence[Contact]) -> None:
        with self._db.transaction() as tx:
            tx.executemany(
                "INSERT OR REPLACE INTO contacts VALUES (?, ?, ?)",
                [(c.campaign_id, c.contact_id, c.model_dump_json()) for c in contacts],
            )

    def get_contact(self, campaign_id: str, contact_id: str) -> Contact:
        rows = self._db.query(
            "SELECT body FROM contacts WHERE campaign_id = ? AND contact_id = ?", (campaign_id, contact_id)
        )
        if not rows:
            raise NotFoundError(f"contact {contact_id!r} is not in campaign {campaign_id!r}")
        return Contact.model_validate_json(rows[0][0])

    def count_contacts(self, campaign_id: str) -> int:
        return int(
            self._db.query("SELECT COUNT(*) FROM contacts WHERE campaign_id = ?", (campaign_id,))[0][0]
        )

    def add_attempt(self, attempt: Attempt) -> bool:
        with self._db.transaction() as tx:
            cursor = tx.execute(
                "INSERT OR IGNORE INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    attempt.campaign_id,
                    attempt.key,
                    attempt.contact_id,
                    attempt.number,
                    attempt.status,
                    attempt.generation,
                    _touched(attempt),
                    attempt.model_dump_json(),
                ),
            )
            return cursor.rowcount == 1

    def get_attempt(self, campaign_id: str, contact_id: str, number: int) -> Attempt:
        key = Attempt.model_construct(campaign_id=campaign_id, contact_id=contact_id, number=number).key
        rows = self._db.query(
            "SELECT body FROM attempts WHERE campaign_id = ? AND akey = ?", (campaign_id, key)
        )
        if not rows:
            raise NotFoundError(f"attempt {key!r} does not exist")
        return Attempt.model_validate_json(rows[0][0])

    def update_attempt(
        self, attempt: Attempt, expected_status: AttemptStatus, expected_generation: int
    ) -> None:
        with self._db.transaction() as tx:
            cursor = tx.execute(
                "UPDATE attempts SET status = ?, generation = ?, touched = ?, body = ? "
                "WHERE campaign_id = ? AND akey = ? AND status = ? AND generation = ?",
                (
                    attempt.status,
                    attempt.generation,
                    _touched(attempt),
                    attempt.model_dump_json(),
                    attempt.campaign_id,
                    attempt.key,
                    expected_status,
                    expected_generation,
                ),
            )
            if cursor.rowcount != 1:
                raise ConflictError(
                    f"attempt {attempt.key} is no longer {expected_status}/{expected_generation}"
                )

    def due_attempts(self, campaign_id: str, until: datetime, limit: int) -> list[Attempt]:
        return self._attempts_where("status = 'scheduled' AND touched <= ?", (campaign_id, iso(until)), limit)

    def stale_attempts(self, campaign_id: str, status: AttemptStatus, before: datetime) -> list[Attempt]:
        return self._attempts_where("status = ? AND touched < ?", (campaign_id, status, iso(before)), 1000)

    def _attempts_where(self, where: str, params: tuple[Any, ...], limit: int) -> list[Attempt]:
        rows = self._db.query(
            f"SELECT body FROM attempts WHERE campaign_id = ? AND {where} ORDER BY touched LIMIT ?",
            (*params, limit),
        )
        return [Attempt.model_validate_json(r[0]) for r in rows]

    def list_attempts(
        self, campaign_id: str, limit: int, after: str | None = None, status: AttemptStatus | None = None
    ) -> list[Attempt]:
        sql = "SELECT body FROM attempts WHERE campaign_id = ? AND akey > ?"
        params: list[Any] = [campaign_id, after or ""]
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        rows = self._db.query(sql + " ORDER BY akey LIMIT ?", (*params, limit))
        return [Attempt.model_validate_json(r[0]) for r in rows]

    def latest_attempt(self, campaign_id: str, contact_id: str) -> Attempt | None:
        rows = self._db.query(
            "SELECT body FROM attempts WHERE campaign_id = ? AND contact_id = ? ORDER BY number DESC LIMIT 1",
            (campaign_id, contact_id),
        )
        return Attempt.model_validate_json(rows[0][0]) if rows else None

    def count_attempts(self, campaign_id: str) -> dict[str, int]:
        rows = self._db.query(
            "SELECT status, COUNT(*) FROM attempts WHERE campaign_id = ? GROUP BY status", (campaign_id,)
        )
        return {str(status): int(count) for status, count in rows}

    def has_pending(self, campaign_id: str) -> bool:
        return bool(
            self._db.query(
                "SELECT 1 FROM attempts WHERE campaign_id = ? "
                "AND status IN ('scheduled', 'queued', 'dialling') LIMIT 1",
                (campaign_id,),
            )
        )

    def log_event(self, event: DialEvent) -> None:
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?)",
                (event.campaign_id, event_cursor(event), event.model_dump_json()),
            )

    def list_events(self, campaign_id: str, limit: int, after: str | None = None) -> list[DialEvent]:
        rows = self._db.query(
            "SELECT body FROM events WHERE campaign_id = ? AND cursor > ? ORDER BY cursor LIMIT ?",
            (campaign_id, after or "", limit),
        )
        return [DialEvent.model_validate_json(r[0]) for r in rows]


class SqliteDncList:
    def __init__(self, db: SqliteCampaignDb) -> None:
        self._db = db

    def add(self, phone: str, source: str, at: datetime) -> None:
        with self._db.transaction() as tx:
            tx.execute("INSERT OR IGNORE INTO dnc VALUES (?, ?, ?)", (phone, source, iso(at)))

    def remove(self, phone: str) -> bool:
        with self._db.transaction() as tx:
            return tx.execute("DELETE FROM dnc WHERE phone = ?", (phone,)).rowcount == 1

    def contains(self, phone: str) -> bool:
        return bool(self._db.query("SELECT 1 FROM dnc WHERE phone = ?", (phone,)))

    def list(self, limit: int, after: str | None = None) -> list[tuple[str, str, datetime]]:
        rows = self._db.query(
            "SELECT phone, source, added_at FROM dnc WHERE phone > ? ORDER BY phone LIMIT ?",
            (after or "", limit),
        )
        return [(p, s, datetime.fromisoformat(a)) for p, s, a in rows]


class SqliteDialLog:
    def __init__(self, db: SqliteCampaignDb) -> None:
        self._db = db

    def recent(self, phone: str, since: datetime) -> list[datetime]:
        rows = self._db.query(
            "SELECT at FROM dials WHERE phone = ? AND at > ? ORDER BY at", (phone, iso(since))
        )
        return [datetime.fromisoformat(r[0]) for r in rows]

    def reserve(self, phone: str, at: datetime, since: datetime, cap: int) -> bool:
        with self._db.transaction() as tx:
            (count,) = tx.execute(
                "SELECT COUNT(*) FROM dials WHERE phone = ? AND at > ? AND at <= ?",
                (phone, iso(since), iso(at)),
            ).fetchone()
            if count >= cap:
                return False
            tx.execute("INSERT INTO dials VALUES (?, ?)", (phone, iso(at)))
            return True


class SqlitePacer:
    def __init__(self, db: SqliteCampaignDb) -> None:
        self._db = db

    def acquire(self, campaign_id: str, at: datetime, per_minute: int, max_concurrent: int) -> bool:
        minute = iso(at)[:16]
        with self._db.transaction() as tx:
            row = tx.execute(
                "SELECT dials FROM pace WHERE campaign_id = ? AND minute = ?", (campaign_id, minute)
            )
            dials = (row.fetchone() or (0,))[0]
            calls = (
                tx.execute("SELECT calls FROM inflight WHERE campaign_id = ?", (campaign_id,)).fetchone()
                or (0,)
            )[0]
            if dials >= per_minute or calls >= max_concurrent:
                return False
            tx.execute("INSERT OR REPLACE INTO pace VALUES (?, ?, ?)", (campaign_id, minute, dials + 1))
            tx.execute(
                "DELETE FROM pace WHERE campaign_id = ? AND minute < ?",
                (campaign_id, iso(at - timedelta(minutes=5))[:16]),
            )
            tx.execute("INSERT OR REPLACE INTO inflight VALUES (?, ?)", (campaign_id, calls + 1))
            return True

    def release(self, campaign_id: str) -> None:
        with self._db.transaction() as tx:
            tx.execute("UPDATE inflight SET calls = MAX(calls - 1, 0) WHERE campaign_id = ?", (campaign_id,))


class SqliteIdempotencyStore:
    def __init__(self, db: SqliteCampaignDb) -> None:
        self._db = db

    def run_once(self, key: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._db.transaction() as tx:
            row = tx.execute("SELECT status, result FROM idempotency WHERE key = ?", (key,)).fetchone()
            if row is not None:
                if row[0] == "completed":
                    stored: dict[str, Any] = json.loads(row[1])
                    return stored
                raise AlreadyInProgressError(f"{key} is in progress")
            tx.execute("INSERT INTO idempotency VALUES (?, 'in_progress', NULL)", (key,))
        try:
            result = action()
        except BaseException:
            with self._db.transaction() as tx:  # let a retry run it again, as powertools does
                tx.execute("DELETE FROM idempotency WHERE key = ?", (key,))
            raise
        with self._db.transaction() as tx:
            tx.execute(
                "UPDATE idempotency SET status = 'completed', result = ? WHERE key = ?",
                (json.dumps(result), key),
            )
        return result
