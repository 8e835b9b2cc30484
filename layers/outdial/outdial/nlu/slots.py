"""Slot extraction: dates, times and amounts from what the caller said, normalised.

Pure Python on purpose (runs in the intent Lambda next to the ONNX model). Dates come out as
ISO YYYY-MM-DD relative to ``now``, times as 24h HH:MM, amounts as floats with a currency:
CNY by default for Mandarin, USD for English only when a $/dollar marker is present.

Conventions: "下周五" / "next Friday" is the Friday of next calendar week (weeks start on
Monday); a bare weekday ("周五", "on Friday") is its next occurrence, today included; a bare
day of month ("15号", "the 15th") that has passed this month means next month's.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from outdial.models import Lang, Slots

# ---------------------------------------------------------------- Chinese numerals

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "幺": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUMBER_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_LARGE_UNITS)
CN_NUMBER = rf"(?:[0-9][0-9,]*(?:\.[0-9]+)?|[{CN_NUMBER_CHARS}])+"
_CN_TOKEN = re.compile(rf"[0-9][0-9,]*(?:\.[0-9]+)?|[{CN_NUMBER_CHARS}]")


def parse_chinese_number(text: str) -> float | None:
    """三千 -> 3000, 两千五 -> 2500, 一万二 -> 12000, 3千5百 -> 3500, 一百零五 -> 105, 1.5万 -> 15000."""
    tokens = _CN_TOKEN.findall(text)
    if not tokens or "".join(tokens) != text:
        return None
    if all(t in CN_DIGITS for t in tokens) and len(tokens) > 1:
        return float("".join(str(CN_DIGITS[t]) for t in tokens))  # digit by digit: 二零二六
    total = 0.0
    section = 0.0
    pending: float | None = None
    last_unit = 0
    after_zero = False
    for token in tokens:
        if token in CN_DIGITS:
            value = CN_DIGITS[token]
            if value == 0:
                after_zero = True
                continue
            pending = float(value)
        elif token in CN_SMALL_UNITS:
            section += (1.0 if pending is None else pending) * CN_SMALL_UNITS[token]
            last_unit, pending, after_zero = CN_SMALL_UNITS[token], None, False
        elif token in CN_LARGE_UNITS:
            if pending is not None:
                section += pending
            total += (section or 1.0) * CN_LARGE_UNITS[token]
            section, pending, last_unit, after_zero = 0.0, None, CN_LARGE_UNITS[token], False
        else:
            pending = float(token.replace(",", ""))
    if pending is not None:
        # A trailing digit right after a unit is the next unit down: 两千五 = 2500, 一万二 = 12000.
        section += pending * (last_unit // 10) if last_unit >= 10 and not after_zero else pending
    return total + section


# ---------------------------------------------------------------- English numbers

EN_UNITS = {
    word: value
    for value, word in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
            *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
            "nineteen",
        )
    )
}
EN_TENS = {
    word: 10 * (i + 2)
    for i, word in enumerate(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"))
}
EN_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000, "k": 1000, "million": 1_000_000}
EN_NUMBER_WORDS = "|".join([*EN_UNITS, *EN_TENS, "hundred", "thousand", "million", "grand", "a", "and"])
_EN_WORD_RUN = re.compile(rf"\b(?:(?:{EN_NUMBER_WORDS})(?:[\s-]+|$))+", re.IGNORECASE)


def parse_english_number(words: list[str]) -> float | None:
    """two hundred -> 200, a thousand -> 1000, twelve hundred -> 1200, two fifty -> 250."""
    words = [w for w in words if w != "and"]
    if not words or all(w == "a" for w in words):
        return None
    total = 0
    current = 0
    previous = ""
    for word in words:
        if word == "a":
            current = 1
        elif word in EN_UNITS:
            current += EN_UNITS[word]
        elif word in EN_TENS:
            if previous in EN_UNITS and 0 < current < 10:
                current *= 100  # "two fifty" = 250, "six sixty six" = 666
            current += EN_TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in EN_SCALES:
            total += (current or 1) * EN_SCALES[word]
            current = 0
        previous = word
    return float(total + current)


# ---------------------------------------------------------------- dates and times

WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
WEEKDAY_EN = {d.lower(): i for i, d in enumerate(calendar.day_name)} | {
    d.lower(): i for i, d in enumerate(calendar.day_abbr)
}
MONTHS_EN = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}
MONTHS_EN["sept"] = 9


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int, to_day: int = 1) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(to_day, calendar.monthrange(year, month)[1]))


def upcoming_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def weekday_of_week(today: date, weekday: int, weeks_ahead: int) -> date:
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks_ahead + weekday)


def day_of_month(today: date, day: int, month: int | None = None) -> date | None:
    """A day (and optional month) in the future: this month/year if still ahead, else the next."""
    try:
        if month is None:
            candidate = (
                today.replace(day=day) if day <= calendar.monthrange(today.year, today.month)[1] else None
            )
            if candidate is None or candidate < today:
                candidate = add_months(today, 1, day)
            return candidate
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def clock(hour: float, minute: int, period: str | None) -> str | None:
    whole = int(hour)
    if hour != whole:  # 3.5 点 is unusual but ASR writes it
        minute = 30
    if (
        period in {"pm", "afternoon", "evening", "night", "下午", "晚上", "晚", "傍晚", "今晚", "明晚"}
        and whole < 12
    ):
        whole += 12
    elif period in {"am", "morning", "上午", "早上", "早", "凌晨", "明早", "今早"} and whole == 12:
        whole = 0
    elif period in {"中午"} and whole < 6:
        whole += 12
    if not (0 <= whole <= 23 and 0 <= minute <= 59):
        return None
    return f"{whole:02d}:{minute:02d}"


# ---------------------------------------------------------------- Mandarin

ZH_RELATIVE_DAYS = [
    ("大后天", 3),
    ("后天", 2),
    ("明天", 1),
    ("明儿", 1),
    ("明早", 1),
    ("明晚", 1),
    ("今天", 0),
    ("今晚", 0),
    ("今早", 0),
    ("今儿", 0),
    ("昨天", -1),
]
ZH_PERIOD = r"(上午|早上|早|中午|下午|晚上|傍晚|凌晨|晚|今晚|明晚|明早|今早)?"
_ZH_TIME = re.compile(rf"{ZH_PERIOD}({CN_NUMBER})[点點时](半|一刻|三刻|({CN_NUMBER})分?)?")
_ZH_COLON_TIME = re.compile(rf"{ZH_PERIOD}([0-2]?[0-9])[:：]([0-5][0-9])")
_ZH_MONTH_DAY = re.compile(rf"({CN_NUMBER})月({CN_NUMBER})[号日]")
_ZH_DAY = re.compile(rf"(?<![月周期拜])({CN_NUMBER})[号日](?!子)")
_ZH_WEEKDAY = re.compile(r"(下下|下个|下|这个|这|本|上)?(?:周|星期|礼拜)([一二三四五六日天七1-7])")
# "慢一点", "晚一点再打", "一点点": "a bit", not one o'clock.
_ZH_A_BIT = re.compile(
    r"(?:[快慢大小多早晚高低好差些再说]|有)一点(?![钟半0-9一二三四五六七八九十])|一点(?=[点儿])"
)
_ZH_DAYS_LATER = re.compile(rf"({CN_NUMBER}|两|几)天[以之]?后")
_ZH_AMOUNT_CONTEXT_AFTER = re.compile(r"^(?:块钱|块|元|圆|万元|万块|刀|美元|美金|人民币|rmb|RMB)")
_ZH_NOT_AMOUNT_AFTER = re.compile(
    r"^(?:[号日月点點时分秒天周年岁个次遍期位楼层号码%％]|星期|礼拜|小时|分钟|多月|来月|号线)"
)
_ZH_AMOUNT = re.compile(rf"(?:[¥￥$]\s*)?{CN_NUMBER}")


def zh_date(text: str, today: date) -> date | None:
    if m := _ZH_MONTH_DAY.search(text):
        month, day = parse_chinese_number(m.group(1)), parse_chinese_number(m.group(2))
        if month and day and 1 <= month <= 12:
            return day_of_month(today, int(day), int(month))
    if m := _ZH_WEEKDAY.search(text):
        weekday = WEEKDAY_ZH.get(m.group(2), int(m.group(2)) - 1 if m.group(2).isdigit() else 0)
        prefix = m.group(1) or ""
        if prefix.startswith("下下"):
            return weekday_of_week(today, weekday, 2)
        if prefix.startswith("下"):
            return weekday_of_week(today, weekday, 1)
        if prefix.startswith("上"):
            return weekday_of_week(today, weekday, -1)
        if prefix:
            return weekday_of_week(today, weekday, 0)
        return upcoming_weekday(today, weekday)
    if "月底" in text or "月末" in text:
        return month_end(add_months(today, 1)) if re.search(r"下个?月[底末]", text) else month_end(today)
    if re.search(r"下个?月[初头]", text) or "月初" in text:
        return add_months(today, 1)
    if re.search(r"下个?月中", text):
        return add_months(today, 1, 15)
    if m := _ZH_DAY.search(text):
        day = parse_chinese_number(m.group(1))
        if day and 1 <= day <= 31 and day == int(day):
            return day_of_month(today, int(day))
    for word, offset in ZH_RELATIVE_DAYS:
        if word in text:
            return today + timedelta(days=offset)
    if m := _ZH_DAYS_LATER.search(text):
        count = 2 if m.group(1) in {"两", "几"} else parse_chinese_number(m.group(1))
        if count:
            return today + timedelta(days=int(count))
    if "过两天" in text:
        return today + timedelta(days=2)
    if re.search(r"下下个?(?:周末|星期末)", text):
        return weekday_of_week(today, 5, 2)
    if re.search(r"下个?周末", text):
        return weekday_of_week(today, 5, 1)
    if "周末" in text:
        return upcoming_weekday(today, 5)
    if re.search(r"下个?(?:周|星期|礼拜)", text):
        return weekday_of_week(today, 0, 1)
    if re.search(r"下个月", text):
        return add_months(today, 1)
    return None


def zh_time(text: str) -> str | None:
    text = _ZH_A_BIT.sub("", text)
    if m := _ZH_COLON_TIME.search(text):
        return clock(int(m.group(2)), int(m.group(3)), m.group(1))
    if m := _ZH_TIME.search(text):
        hour = parse_chinese_number(m.group(2))
        if hour is None:
            return None
        minute_part = m.group(3) or ""
        minute = {"半": 30, "一刻": 15, "三刻": 45}.get(minute_part)
        if minute is None:
            parsed = parse_chinese_number(m.group(4)) if m.group(4) else 0.0
            minute = int(parsed or 0)
        period = m.group(1) or next((p for p in ("下午", "晚上", "上午", "中午", "早上") if p in text), None)
        if period is None and 1 <= hour <= 6:
            period = "下午"  # "三点" on a business call is the afternoon
        return clock(hour, minute, period)
    return None


def zh_amount(text: str) -> tuple[float | None, str | None]:
    cleaned = re.sub(r"百分之\S*", "", text)
    for m in _ZH_AMOUNT.finditer(cleaned):
        raw = m.group(0)
        number_text = raw.lstrip("¥￥$ ")
        value = parse_chinese_number(number_text)
        if value is None or value <= 0:
            continue
        before, after = cleaned[: m.start()], cleaned[m.end() :]
        marked_before = raw[0] in "¥￥$"
        marked_after = bool(_ZH_AMOUNT_CONTEXT_AFTER.match(after))
        if not (marked_before or marked_after) and _ZH_NOT_AMOUNT_AFTER.match(after):
            continue
        if re.search(r"[月周期拜]$", before) or re.search(r"[点點:：]$", before):
            continue  # part of a date or time (3月5号, 星期三, 3:30)
        digits = re.sub(r"\D", "", number_text)
        if len(digits) >= 7 and not (marked_before or marked_after):
            continue  # a phone or account number, not money
        has_magnitude = any(u in number_text for u in "十百千万亿") or value >= 10
        if not (marked_before or marked_after or has_magnitude):
            continue  # a bare 三 or 5 is too ambiguous to be money
        currency = "USD" if ("$" in raw or re.match(r"^(?:刀|美元|美金)", after)) else "CNY"
        return value, currency
    return None, None


# ---------------------------------------------------------------- English

_EN_ORDINAL = r"([0-9]{1,2})(?:st|nd|rd|th)"
_EN_MONTH_NAMES = "|".join(sorted(MONTHS_EN, key=len, reverse=True))
_EN_MONTH_DAY = re.compile(rf"\b({_EN_MONTH_NAMES})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?\b")
_EN_DAY_OF_MONTH = re.compile(rf"\b(?:the\s+)?{_EN_ORDINAL}(?:\s+of\s+({_EN_MONTH_NAMES}))?\b")
_EN_WEEKDAY = re.compile(
    r"\b(next|this|coming|on|by|until|till)?\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\b"
)
_EN_NUMERIC_DATE = re.compile(r"\b([01]?[0-9])/([0-3]?[0-9])(?:/[0-9]{2,4})?\b")
_EN_IN_DAYS = re.compile(rf"\bin\s+([0-9]+|{EN_NUMBER_WORDS}|a couple of|a few)\s+(days?|weeks?)\b")
_EN_TIME = re.compile(
    r"\b([0-9]{1,2})(?::([0-5][0-9]))?\s*(a\.?m\.?|p\.?m\.?|o'?clock|in the (?:morning|afternoon|evening)"
    r"|at night|tonight)\b"
)
_EN_AT_TIME = re.compile(
    r"\b(?:at|around|about|by)\s+([0-9]{1,2})(?::([0-5][0-9]))?\b(?!\s*(?:st|nd|rd|th|%))"
)
_EN_WORD_TIME = re.compile(
    rf"\b(?:at|around)\s+({'|'.join(list(EN_UNITS)[1:13])})(?:\s+(thirty|fifteen|forty[- ]five))?"
    r"(?:\s+(o'?clock|am|pm|a\.m\.|p\.m\.|in the (?:morning|afternoon|evening)|tonight))?\b"
)
_EN_CURRENCY_AMOUNT = re.compile(
    r"(?:(?P<sym>[$¥￥€£])\s*(?P<num1>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<scale1>k|grand|thousand|hundred)?"
    r"|(?P<num2>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<scale2>k|grand|thousand|hundred)?\s*"
    r"(?P<unit>dollars?|bucks?|usd|yuan|rmb|kuai|euros?|pounds?|cents?)\b)",
    re.IGNORECASE,
)
_EN_BARE_NUMBER = re.compile(r"(?<![\w$/:.])([0-9][0-9,]*(?:\.[0-9]+)?)(?![\w/:%]|\.[0-9])")
_EN_PAY_CONTEXT = re.compile(
    r"\b(?:pay|paying|send|sending|transfer|wire|give|owe|make|put|deposit|cover|afford|come up with|get)\b"
)
CURRENCY_BY_MARKER = {
    **dict.fromkeys(("$", "dollar", "dollars", "buck", "bucks", "usd", "grand"), "USD"),
    **dict.fromkeys(("¥", "￥", "yuan", "rmb", "kuai"), "CNY"),
    **dict.fromkeys(("€", "euro", "euros"), "EUR"),
    **dict.fromkeys(("£", "pound", "pounds"), "GBP"),
}


def en_date(text: str, today: date) -> date | None:
    if re.search(r"\bday after tomorrow\b", text):
        return today + timedelta(days=2)
    if m := _EN_MONTH_DAY.search(text):
        return day_of_month(today, int(m.group(2)), MONTHS_EN[m.group(1)])
    if m := _EN_DAY_OF_MONTH.search(text):
        month = MONTHS_EN[m.group(2)] if m.group(2) else None
        return day_of_month(today, int(m.group(1)), month)
    if m := _EN_NUMERIC_DATE.search(text):
        month, day = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return day_of_month(today, day, month)
    if re.search(r"\bend of (?:the |this )?month\b|\bmonth[- ]end\b|\bend of month\b", text):
        return month_end(today)
    if re.search(r"\bend of next month\b", text):
        return month_end(add_months(today, 1))
    if re.search(r"\b(?:beginning|start|first|early|1st) (?:of )?(?:the )?next month\b|\bnext month\b", text):
        return add_months(today, 1)
    if m := _EN_WEEKDAY.search(text):
        weekday = WEEKDAY_EN[m.group(2)[:3]]
        if m.group(1) == "next":
            return weekday_of_week(today, weekday, 1)
        return upcoming_weekday(today, weekday)
    if re.search(r"\bnext weekend\b", text):
        return weekday_of_week(today, 5, 1)
    if re.search(r"\bweekend\b", text):
        return upcoming_weekday(today, 5)
    if re.search(r"\bnext week\b", text):
        return weekday_of_week(today, 0, 1)
    if m := _EN_IN_DAYS.search(text):
        spoken = m.group(1)
        count = {"a couple of": 2.0, "a few": 3.0}.get(spoken) or (
            float(spoken) if spoken.isdigit() else parse_english_number(spoken.split())
        )
        if count:
            return today + timedelta(days=int(count) * (7 if m.group(2).startswith("week") else 1))
    if re.search(r"\btomorrow\b|\btmr\b|\btomorow\b", text):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b", text):
        return today
    if re.search(r"\byesterday\b", text):
        return today - timedelta(days=1)
    return None


def en_time(text: str) -> str | None:
    if re.search(r"\bnoon\b|\bmidday\b", text):
        return "12:00"
    if m := _EN_TIME.search(text):
        marker = m.group(3).replace(".", "")
        period = {"am": "am", "pm": "pm"}.get(marker) or next(
            (p for p in ("morning", "afternoon", "evening") if p in marker), None
        )
        if marker in {"at night", "tonight"}:
            period = "night"
        hour = int(m.group(1))
        if period is None and 1 <= hour <= 6:
            period = "pm"  # "3 o'clock" on a business call is the afternoon
        return clock(hour, int(m.group(2) or 0), period)
    if m := _EN_WORD_TIME.search(text):
        hour = EN_UNITS[m.group(1)]
        minute = {"thirty": 30, "fifteen": 15}.get(m.group(2) or "", 45 if m.group(2) else 0)
        marker = (m.group(3) or "").replace(".", "")
        period = marker if marker in {"am", "pm"} else ("pm" if "tonight" in text or 1 <= hour <= 6 else None)
        period = next((p for p in ("morning", "afternoon", "evening") if p in marker), period)
        return clock(hour, minute, period)
    if m := _EN_AT_TIME.search(text):
        hour = int(m.group(1))
        if hour > 23 or re.search(rf"\bat\s+{hour}\s*(?:dollars|bucks|k\b)", text):
            return None
        period = "pm" if ("tonight" in text or "afternoon" in text or 1 <= hour <= 6) else None
        return clock(hour, int(m.group(2) or 0), period)
    return None


def _scaled(number: str, scale: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * {"k": 1000, "grand": 1000, "thousand": 1000, "hundred": 100}.get((scale or "").lower(), 1)


_EN_PHONE = re.compile(r"(?<![\w$.,])(?:\+?\d[\s-]?){7,}(?![\w.,])|\b\d{3}[\s-]\d{4}\b")
_EN_K_AMOUNT = re.compile(r"(?<![\w$])([0-9]+(?:\.[0-9]+)?)\s?k\b")


def en_amount(text: str) -> tuple[float | None, str | None]:
    text = _EN_PHONE.sub(" ", text)  # phone and account numbers are not money
    if m := _EN_CURRENCY_AMOUNT.search(text):
        if m.group("sym"):
            value, marker = _scaled(m.group("num1"), m.group("scale1")), m.group("sym")
        else:
            value, marker = _scaled(m.group("num2"), m.group("scale2")), m.group("unit").lower()
            if marker.startswith("cent"):
                return value / 100, "USD"
        return value, CURRENCY_BY_MARKER.get(marker, "USD")
    for m in _EN_WORD_RUN.finditer(text):
        words = [w for w in re.split(r"[\s-]+", m.group(0).strip().lower()) if w]
        spoken = parse_english_number(words)
        after = text[m.end() :].lstrip()
        marker_match = re.match(r"(dollars?|bucks?|grand|usd|yuan|rmb|euros?|pounds?)\b", after)
        if words and words[-1] == "grand":
            marker_match = re.match(r"(grand)", "grand")
        if spoken is None:
            continue
        has_scale = any(w in {"hundred", "thousand", "million", "grand"} for w in words)
        two_part = len([w for w in words if w in EN_UNITS or w in EN_TENS]) >= 2
        if marker_match or has_scale or (two_part and spoken >= 100):
            currency = CURRENCY_BY_MARKER.get(marker_match.group(1)) if marker_match else None
            return spoken, currency
    if m := _EN_K_AMOUNT.search(text):
        return float(m.group(1)) * 1000, None
    for m in _EN_BARE_NUMBER.finditer(text):
        after = text[m.end() :].lstrip()
        before = text[: m.start()].rstrip()
        if re.match(r"(?:am|pm|a\.m|p\.m|o'?clock|st|nd|rd|th|days?|weeks?|months?|years?|hours?|minutes?|"
                    r"percent|%|in the|at night)\b", after):  # fmt: skip
            continue
        if re.search(rf"\b(?:at|around|in|the|on|by|{_EN_MONTH_NAMES})$", before):
            continue  # a time or date, not money
        value = _scaled(m.group(1), None)
        digits = re.sub(r"\D", "", m.group(1))
        if len(digits) >= 7 or (value < 10 and not _EN_PAY_CONTEXT.search(before)):
            continue
        if value >= 10 or _EN_PAY_CONTEXT.search(before):
            scale = re.match(r"(k|grand|thousand|hundred)\b", after)
            return _scaled(m.group(1), scale.group(1) if scale else None), (
                "USD" if scale and scale.group(1) == "grand" else None
            )
    return None, None


# ---------------------------------------------------------------- entry point


def extract_slots(text: str, lang: Lang, now: datetime) -> Slots:
    """Dates, times and amounts said in ``text``, normalised; fields not mentioned are None."""
    today = now.date()
    if lang == "zh":
        day, time_of_day = zh_date(text, today), zh_time(text)
        amount, currency = zh_amount(text)
    else:
        lowered = text.lower()
        day, time_of_day = en_date(lowered, today), en_time(lowered)
        amount, currency = en_amount(lowered)
    return Slots(
        date=day.isoformat() if day else None,
        time=time_of_day,
        amount=round(amount, 2) if amount is not None else None,
        currency=currency if amount is not None else None,
    )
