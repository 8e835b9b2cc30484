"""Contacts CSV import: good rows in, each bad row reported with its line, field and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from outdial.campaign.config import CampaignConfig, load_config, parse_config
from outdial.campaign.contacts import decode_lines, formula_risk, import_contacts, neutralise_cell
from outdial.errors import InvalidEventError

DEMO = Path(__file__).resolve().parents[2] / "events" / "demo"
ZH_FIELDS = ["name", "lender", "amount", "due_date"]


def zh_config(**override: object) -> CampaignConfig:
    return CampaignConfig.model_validate(
        {"campaign_id": "zh", "script_id": "zh-loan-reminder", "lang": "zh", "default_region": "CN"}
        | override
    )


def test_the_malformed_fixture_imports_good_rows_and_reports_each_bad_one() -> None:
    dnc = {"+8613800138020"}
    result = import_contacts(
        (DEMO / "contacts-malformed.csv").read_bytes(), zh_config(), ZH_FIELDS, dnc.__contains__
    )
    assert [c.contact_id for c in result.contacts] == ["m-001", "m-005"]
    assert result.contacts[1].phone == "+8613800138015" and result.contacts[1].zones == ["Asia/Shanghai"]
    problems = {(p.row, p.field, p.kind) for p in result.report.problems}
    assert problems == {
        (3, "phone", "rejected"),
        (4, "name", "rejected"),
        (5, "name", "rejected"),
        (7, "phone", "duplicate"),
        (8, "row", "rejected"),
        (9, "encoding", "rejected"),
        (10, "name", "rejected"),
        (11, "phone", "dnc"),
    }
    summary = result.report.summary
    assert (summary.rows, summary.imported, summary.rejected, summary.duplicates, summary.dnc_scrubbed) == (
        10,
        2,
        6,
        1,
        1,
    )
    assert summary.encoding == "utf-8-sig"
    assert "formula" in next(p.reason for p in result.report.problems if p.row == 5)


def test_a_gbk_excel_export_is_decoded() -> None:
    text = "contact_id,phone,name,lender,amount,due_date\nz1,13800138001,王先生,安心借,3000,11月30日\n"
    result = import_contacts(text.encode("gbk"), zh_config(), ZH_FIELDS, lambda _: False)
    assert result.report.summary.encoding == "gb18030"
    assert result.contacts[0].fields["name"] == "王先生"


def test_a_bom_and_crlf_are_accepted_and_the_timezone_column_overrides() -> None:
    text = (
        "\ufeffContact_ID,Phone,name,lender,amount,due_date,timezone\r\n"
        "z1,+8613800138001,王,安心借,1,1日,Asia/Urumqi\r\n"
    )
    result = import_contacts(text.encode("utf-8"), zh_config(), ZH_FIELDS, lambda _: False)
    assert result.contacts[0].zones == ["Asia/Urumqi"] and not result.report.problems


def test_missing_columns_reject_the_header_naming_them() -> None:
    result = import_contacts(
        b"contact_id,phone,name\nz1,+8613800138001,x\n", zh_config(), ZH_FIELDS, lambda _: False
    )
    assert result.contacts == []
    (problem,) = result.report.problems
    assert problem.row == 1 and problem.field == "header" and "lender" in problem.reason


def test_consent_required_by_the_campaign() -> None:
    text = (
        "contact_id,phone,name,lender,amount,due_date,consent\n"
        "a,+8613800138001,王,安,1,1日,yes\nb,+8613800138002,李,安,1,1日,no\n"
    )
    result = import_contacts(text.encode(), zh_config(require_consent=True), ZH_FIELDS, lambda _: False)
    assert [c.contact_id for c in result.contacts] == ["a"] and result.contacts[0].consent
    assert [(p.row, p.field) for p in result.report.problems] == [(3, "consent")]


@pytest.mark.parametrize(
    ("cell", "risky"),
    [
        ("=1+1", True),
        ("@SUM(A1)", True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3", True),
        ("-250.5", False),
        ("-", True),
        ("+86 138 0013 8000", False),
        ("3000", False),
        ("王先生", False),
        ("\tx", True),
    ],
)
def test_formula_detection(cell: str, risky: bool) -> None:
    assert formula_risk(cell) is risky
    assert neutralise_cell(cell).startswith("'") is cell.startswith(("=", "@", "+", "-", "\t", "\r"))


def test_one_undecodable_line_costs_only_that_row() -> None:
    decoded = decode_lines(b"a,b\n" + "中文".encode("gb18030") + b"\n" + "好".encode() + b"\n")
    assert decoded.encoding == "utf-8-sig" and decoded.undecodable == {2}


def test_demo_campaign_configs_are_valid() -> None:
    for name in ("campaign-zh-loan-reminder.yaml", "campaign-en-insurance-renewal.yaml"):
        config = load_config(DEMO / name)
        assert config.contacts and (DEMO / config.contacts).is_file()


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ("campaign_id: ok\nscript_id: s\nlang: fr\n", "lang"),
        ("[1, 2]", "mapping"),
        (
            "campaign_id: ok\nscript_id: s\nlang: en\nwindows: {mon: [{start: '10:00', end: '09:00'}]}\n",
            "windows",
        ),
        ("campaign_id: ok\nscript_id: s\nlang: en\nretry_minutes: {busy: 0}\n", "retry_minutes"),
    ],
)
def test_config_errors_name_the_field(document: str, field: str) -> None:
    with pytest.raises(InvalidEventError, match=field):
        parse_config(document)
