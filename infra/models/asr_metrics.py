"""Word / character error rates for the ASR build's recipe choice and the benchmark.

Normalisation is deliberately small and applied identically to every system compared:
case and punctuation are ignored, digits are spelled out (Whisper writes "1-2-3" for "one
two three"), and Mandarin is compared character by character.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ZH_DIGITS = "零一二三四五六七八九"


def _number_words(value: int) -> list[str]:
    if value < 20:
        return [_ONES[value]]
    if value < 100:
        return [_TENS[value // 10]] + ([_ONES[value % 10]] if value % 10 else [])
    if value < 1000:
        rest = value % 100
        return [_ONES[value // 100], "hundred"] + (_number_words(rest) if rest else [])
    if value < 1_000_000:
        rest = value % 1000
        return [*_number_words(value // 1000), "thousand"] + (_number_words(rest) if rest else [])
    return [_ONES[int(d)] for d in str(value)]


def normalise_en(text: str) -> list[str]:
    text = text.lower().replace("$", " $ ")
    text = re.sub(r"(\d),(\d)", r"\1\2", text)
    words: list[str] = []
    for token in re.findall(r"[a-z']+|\d+|\$", text):
        if token == "$":
            words.append("dollars")
        elif token.isdigit():
            words.extend(_number_words(int(token)) if len(token) <= 4 else [_ONES[int(d)] for d in token])
        else:
            words.append(token.strip("'"))
    # "$200" reads "two hundred dollars": move the currency word after its number.
    for index in range(len(words) - 1):
        if words[index] == "dollars" and index + 1 < len(words) and words[index + 1] in _ONES + _TENS:
            end = index + 1
            while end < len(words) and words[end] in [*_ONES, *_TENS, "hundred", "thousand"]:
                end += 1
            words[index:end] = [*words[index + 1 : end], "dollars"]
    return [w for w in words if w]


def normalise_zh(text: str) -> list[str]:
    text = "".join(_ZH_DIGITS[int(ch)] if ch.isdigit() and ch.isascii() else ch for ch in text)
    return [ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "S", "C"))]


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def error_counts(reference: str, hypothesis: str, lang: str) -> tuple[int, int]:
    """(edits, reference length): words for English, characters for Mandarin."""
    normalise = normalise_zh if lang == "zh" else normalise_en
    ref, hyp = normalise(reference), normalise(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def error_rate(pairs: Sequence[tuple[str, str]], lang: str) -> float:
    """Corpus-level WER (en) or CER (zh) over (reference, hypothesis) pairs."""
    edits = total = 0
    for reference, hypothesis in pairs:
        e, n = error_counts(reference, hypothesis, lang)
        edits, total = edits + e, total + n
    return edits / max(total, 1)
