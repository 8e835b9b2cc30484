"""Extend the MiniLM WordPiece vocabulary with the Chinese characters Mandarin callers use.

The BERT normaliser (handle_chinese_chars) puts spaces around every CJK ideograph, so each
added character becomes exactly one token: appending characters to the WordPiece vocab is
all the tokenizer needs. Embedding rows for them are appended (and learned) by nlu_train.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MAX_TOKENS = 64  # phone utterances are short; longer input is truncated


def gb2312_level1() -> list[str]:
    """The 3,755 GB2312 level-1 hanzi: the standard list of most frequently used characters."""
    chars: list[str] = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # 0xD7FA-0xD7FE are unassigned
    return chars


def is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def wanted_characters(corpus: Iterable[str]) -> list[str]:
    """GB2312 level 1, then any other non-ASCII character of the corpus (rare hanzi, ¥, ，)."""
    wanted = dict.fromkeys(gb2312_level1())
    for text in corpus:
        for char in text:
            if ord(char) > 0x7F and not char.isspace() and unicodedata.category(char)[0] != "C":
                wanted.setdefault(char)
    return list(wanted)


def extend_tokenizer(base: Path, corpus: Iterable[str], target: Path) -> tuple[list[str], int]:
    """Write an extended tokenizer.json; returns (added tokens in id order, base vocab size)."""
    spec: dict[str, Any] = json.loads(base.read_text(encoding="utf-8"))
    vocab: dict[str, int] = spec["model"]["vocab"]
    base_size = len(vocab)
    added: list[str] = []
    for char in wanted_characters(corpus):
        if char not in vocab:
            vocab[char] = base_size + len(added)
            added.append(char)
    # The runtime encodes one utterance at a time: no fixed-length padding, bounded length.
    spec["padding"] = None
    spec["truncation"] = {
        "direction": "Right",
        "max_length": MAX_TOKENS,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    target.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return added, base_size
