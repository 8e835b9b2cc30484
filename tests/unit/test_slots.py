"""Slot extraction: dates, times and amounts in Mandarin and English, against a fixed `now`."""

from __future__ import annotations

from datetime import datetime

import pytest
from outdial.nlu.slots import extract_slots, parse_chinese_number, parse_english_number

NOW = datetime(2026, 11, 24, 10, 30)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三千", 3000),
        ("两千五", 2500),
        ("3千5百", 3500),
        ("一万二", 12000),
        ("一百零五", 105),
        ("1.5万", 15000),
        ("九百九", 990),
        ("六百六十六", 666),
        ("十五", 15),
        ("二十", 20),
        ("三万五千", 35000),
        ("两百", 200),
        ("一千零二十", 1020),
        ("五百", 500),
        ("二零二六", 2026),
    ],
)
def test_chinese_numerals(text: str, value: float) -> None:
    assert parse_chinese_number(text) == value


def test_chinese_numeral_rejects_other_text() -> None:
    assert parse_chinese_number("还钱") is None
    assert parse_chinese_number("") is None


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("two hundred", 200),
        ("a thousand", 1000),
        ("twelve hundred", 1200),
        ("two fifty", 250),
        ("three thousand five hundred", 3500),
        ("one hundred and twenty", 120),
        ("forty two", 42),
    ],
)
def test_english_number_words(words: str, value: float) -> None:
    assert parse_english_number(words.split()) == value


# (text, date, time, amount, currency)
ZH_CASES = [
    ("我下周五还三千", "2026-12-04", None, 3000, "CNY"),
    ("明天下午三点还两千五", "2026-11-25", "15:00", 2500, "CNY"),
    ("后天还吧", "2026-11-26", None, None, None),
    ("大后天还八百", "2026-11-27", None, 800, "CNY"),
    ("月底前还一万二", "2026-11-30", None, 12000, "CNY"),
    ("下个月底还", "2026-12-31", None, None, None),
    ("15号还¥500", "2026-12-15", None, 500, "CNY"),
    ("28号还", "2026-11-28", None, None, None),
    ("我这周六还3000块", "2026-11-28", None, 3000, "CNY"),
    ("下礼拜一上午十点打给我", "2026-11-30", "10:00", None, None),
    ("20号之前还五百块", "2026-12-20", None, 500, "CNY"),
    ("3月5号还", "2027-03-05", None, None, None),
    ("下个月初还", "2026-12-01", None, None, None),
    ("周末还一部分", "2026-11-28", None, None, None),
    ("两天后还", "2026-11-26", None, None, None),
    ("星期四还", "2026-11-26", None, None, None),
    ("今天晚上八点转给你", "2026-11-24", "20:00", None, None),
    ("明天上午九点半", "2026-11-25", "09:30", None, None),
    ("我下午3:30到", None, "15:30", None, None),
    ("两点半打给我", None, "14:30", None, None),
    ("还100美元", None, None, 100, "USD"),
    ("我欠你们两千块钱吗", None, None, 2000, "CNY"),
    ("嗯那个我明天还三千五百元", "2026-11-25", None, 3500, "CNY"),
    ("先还一千二", None, None, 1200, "CNY"),
    ("说慢一点", None, None, None, None),
    ("晚一点再打", None, None, None, None),
    ("利息百分之五", None, None, None, None),
    ("打我电话13812345678", None, None, None, None),
    ("我在忙", None, None, None, None),
]


@pytest.mark.parametrize(("text", "day", "time", "amount", "currency"), ZH_CASES)
def test_mandarin_slots(
    text: str, day: str | None, time: str | None, amount: float | None, currency: str | None
) -> None:
    slots = extract_slots(text, "zh", NOW)
    assert (slots.date, slots.time, slots.amount, slots.currency) == (day, time, amount, currency)


EN_CASES = [
    ("I'll pay 200 dollars next Friday", "2026-12-04", None, 200, "USD"),
    ("tomorrow at 3 pm", "2026-11-25", "15:00", None, None),
    ("I can pay on the 15th", "2026-12-15", None, None, None),
    ("by the end of the month", "2026-11-30", None, None, None),
    ("I can do two hundred", None, None, 200, None),
    ("$1,250.50 on friday", "2026-11-27", None, 1250.5, "USD"),
    ("I can pay three thousand", None, None, 3000, None),
    ("a thousand dollars tomorrow", "2026-11-25", None, 1000, "USD"),
    ("two grand this weekend", "2026-11-28", None, 2000, "USD"),
    ("i'll pay 350 on march 5th", "2027-03-05", None, 350, None),
    ("call me back at 3", None, "15:00", None, None),
    ("I'll send $4,000.00 on Wednesday", "2026-11-25", None, 4000, "USD"),
    ("in three days", "2026-11-27", None, None, None),
    ("twelve hundred bucks", None, None, 1200, "USD"),
    ("the day after tomorrow at noon", "2026-11-26", "12:00", None, None),
    ("1,500 bucks early next month", "2026-12-01", None, 1500, "USD"),
    ("tonight at 8", "2026-11-24", "20:00", None, None),
    ("next monday at 10:30 am", "2026-11-30", "10:30", None, None),
    ("this saturday", "2026-11-28", None, None, None),
    ("I can pay 50 dollars today", "2026-11-24", None, 50, "USD"),
    ("2k by next week", "2026-11-30", None, 2000, None),
    ("500 yuan", None, None, 500, "CNY"),
    ("I'm in a meeting", None, None, None, None),
    ("call me at 555 1234", None, None, None, None),
]


@pytest.mark.parametrize(("text", "day", "time", "amount", "currency"), EN_CASES)
def test_english_slots(
    text: str, day: str | None, time: str | None, amount: float | None, currency: str | None
) -> None:
    slots = extract_slots(text, "en", NOW)
    assert (slots.date, slots.time, slots.amount, slots.currency) == (day, time, amount, currency)


def test_relative_dates_follow_now() -> None:
    sunday = datetime(2026, 11, 29, 9, 0)
    assert extract_slots("明天还", "zh", sunday).date == "2026-11-30"
    assert extract_slots("月底还", "zh", sunday).date == "2026-11-30"
    assert extract_slots("下周五", "zh", sunday).date == "2026-12-04"
    assert extract_slots("tomorrow", "en", datetime(2026, 12, 31)).date == "2027-01-01"
    assert extract_slots("end of the month", "en", datetime(2027, 2, 3)).date == "2027-02-28"
