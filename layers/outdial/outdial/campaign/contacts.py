"""Contacts CSV import: every good row imported, every bad one reported (line, field, reason).

Exports from Excel arrive as UTF-8, UTF-8 with a BOM, or GBK/GB18030 (Chinese Windows); a file
is decoded line by line so one mis-encoded line costs that row, not the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from outdial.campaign.config import CampaignConfig
from outdial.campaign.phones import PhoneError, is_zone, to_e164, zones_for
from outdial.campaign.records import Contact, ImportSummary
from pydantic import BaseModel, ConfigDict, Field

ENCODINGS = ("utf-8-sig", "gb18030")
MAX_FIELD_CHARS = 1000
MAX_ROWS = 200_000
CONTACT_ID = re.compile(r"^[\w.@+-]{1,128}$")
RESERVED_COLUMNS = frozenset({"contact_id", "phone", "timezone", "consent"})
# Cells a spreadsheet would evaluate: =, @, tab, CR always; + and - unless the cell is a number.
FORMULA_PREFIXES = ("=", "@", "\t", "\r", "+", "-")
NUMERIC = re.compile(r"^[+-]?[\d\s().]+$")
TRUTHY = frozenset({"1", "y", "yes", "true", "t", "是", "同意"})


class RowProblem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    row: int = Field(description="line number in the file (the header is line 1)")
    field: str
    reason: str
    kind: str = Field(default="rejected", description="rejected, duplicate or dnc")


class ImportReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: ImportSummary
    problems: list[RowProblem]


@dataclass
class ImportResult:
    contacts: list[Contact]
    report: ImportReport


@dataclass
class _Lines:
    """Decoded physical lines, and which ones did not decode in the file's encoding."""

    encoding: str
    lines: list[str]
    undecodable: set[int] = field(default_factory=set)  # 1-based line numbers


def decode_lines(data: bytes) -> _Lines:
    raw_lines = data.splitlines(keepends=True)  # \n and \r never occur inside UTF-8/GB18030 characters
    best: _Lines | None = None
    for encoding in ENCODINGS:
        decoded = _Lines(encoding, [])
        for number, raw in enumerate(raw_lines, start=1):
            codec = encoding if number == 1 else encoding.removesuffix("-sig")
            try:
                decoded.lines.append(raw.decode(codec))
            except UnicodeDecodeError:
                decoded.lines.append(raw.decode(codec, errors="replace"))
                decoded.undecodable.add(number)
        if best is None or len(decoded.undecodable) < len(best.undecodable):
            best = decoded
        if not decoded.undecodable:
            break
    assert best is not None
    return best


def formula_risk(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES) and not NUMERIC.match(value)


def neutralise_cell(value: str) -> str:
    """For CSVs we write: a leading quote makes a spreadsheet show the text, not run it."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def import_contacts(
    data: bytes,
    config: CampaignConfig,
    required_fields: Sequence[str],
    is_dnc: Callable[[str], bool],
) -> ImportResult:
    decoded = decode_lines(data)
    problems: list[RowProblem] = []
    contacts: list[Contact] = []
    summary = ImportSummary(encoding=decoded.encoding)
    rows = _rows(decoded)
    header_row = next(rows, None)
    if header_row is None:
        problems.append(RowProblem(row=1, field="header", reason="the file is empty"))
        summary.rejected = 1
        return ImportResult([], ImportReport(summary=summary, problems=problems))
    _, header, header_error = header_row
    columns = [c.strip().lower() for c in header]
    missing = [c for c in ("contact_id", "phone", *required_fields) if c not in columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if header_error or missing or duplicated:
        reason = header_error or (
            f"missing column(s): {', '.join(missing)}" if missing else f"repeated column(s): {duplicated}"
        )
        problems.append(RowProblem(row=1, field="header", reason=reason))
        summary.rejected = 1
        return ImportResult([], ImportReport(summary=summary, problems=problems))

    seen_phones: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for line, cells, error in rows:
        if not any(c.strip() for c in cells) and not error:
            continue  # blank lines are not rows
        summary.rows += 1
        if summary.rows > MAX_ROWS:
            problems.append(RowProblem(row=line, field="file", reason=f"more than {MAX_ROWS} rows"))
            summary.rejected += 1
            break
        outcome = _contact(line, columns, cells, error, config, required_fields)
        if isinstance(outcome, RowProblem):
            problems.append(outcome)
            summary.rejected += 1
            continue
        contact = outcome
        first = seen_phones.get(contact.phone) or seen_ids.get(contact.contact_id)
        if first is not None:
            what = "phone" if contact.phone in seen_phones else "contact_id"
            problems.append(
                RowProblem(row=line, field=what, reason=f"duplicate of row {first}", kind="duplicate")
            )
            summary.duplicates += 1
            continue
        seen_phones[contact.phone] = line
        seen_ids[contact.contact_id] = line
        if is_dnc(contact.phone):
            problems.append(RowProblem(row=line, field="phone", reason="on the do-not-call list", kind="dnc"))
            summary.dnc_scrubbed += 1
            continue
        contacts.append(contact)
    summary.imported = len(contacts)
    return ImportResult(contacts, ImportReport(summary=summary, problems=problems))


def _rows(decoded: _Lines) -> Iterator[tuple[int, list[str], str | None]]:
    """(first line number, cells, error) per CSV record; a record may span quoted newlines."""
    reader = csv.reader(iter(decoded.lines), strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, [], f"malformed CSV ({exc})"
            start = reader.line_num + 1
            continue
        end = reader.line_num
        bad = [n for n in range(start, end + 1) if n in decoded.undecodable]
        error = f"line {bad[0]} is not valid {decoded.encoding}" if bad else None
        yield start, cells, error
        start = end + 1


def _contact(
    line: int,
    columns: list[str],
    cells: list[str],
    error: str | None,
    config: CampaignConfig,
    required_fields: Sequence[str],
) -> Contact | RowProblem:
    if error:
        return RowProblem(row=line, field="encoding" if "valid" in error else "row", reason=error)
    if len(cells) != len(columns):
        return RowProblem(row=line, field="row", reason=f"{len(cells)} cells for {len(columns)} columns")
    values = {column: cell.strip() for column, cell in zip(columns, cells, strict=True)}
    for column, value in values.items():
        if len(value) > MAX_FIELD_CHARS:
            return RowProblem(row=line, field=column, reason=f"longer than {MAX_FIELD_CHARS} characters")
        if "\x00" in value:
            return RowProblem(row=line, field=column, reason="contains a NUL character")
        if column != "phone" and formula_risk(value):
            return RowProblem(
                row=line, field=column, reason="looks like a spreadsheet formula (injection risk)"
            )
    for column in ("contact_id", "phone", *required_fields):
        if not values.get(column):
            return RowProblem(row=line, field=column, reason="missing")
    if not CONTACT_ID.match(values["contact_id"]):
        return RowProblem(row=line, field="contact_id", reason="only letters, digits and ._@+- (≤128)")
    try:
        phone = to_e164(values["phone"], config.default_region)
    except PhoneError as exc:
        return RowProblem(row=line, field="phone", reason=str(exc))
    override = values.get("timezone", "")
    if override:
        if not is_zone(override):
            return RowProblem(row=line, field="timezone", reason=f"unknown IANA time zone {override!r}")
        ZoneInfo(override)
        zones = [override]
    else:
        zones = list(zones_for(phone))
        if not zones:
            return RowProblem(row=line, field="timezone", reason="no time zone known for the number; add one")
    consent = values.get("consent", "").lower() in TRUTHY
    if config.require_consent and not consent:
        return RowProblem(row=line, field="consent", reason="the campaign requires consent")
    fields = {k: v for k, v in values.items() if k not in RESERVED_COLUMNS}
    return Contact(
        campaign_id=config.campaign_id,
        contact_id=values["contact_id"],
        phone=phone,
        zones=zones,
        consent=consent,
        fields=fields,
        row=line,
    )
