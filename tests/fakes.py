"""In-memory fakes for unit tests (preferred to mocks): small, real implementations."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt


class CharNgramEncoder:
    """A deterministic sentence encoder: hashed character bigrams, L2-normalised.

    Texts sharing wording land close, unrelated texts far apart — enough to test ranking
    logic without the real model (which tests/unit/test_intent.py covers)."""

    def __init__(self, dims: int = 512) -> None:
        self.dims = dims
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls += 1
        out = np.zeros((len(texts), self.dims), np.float32)
        for row, text in enumerate(texts):
            padded = f" {text.lower()} "
            for i in range(len(padded) - 1):
                bucket = int(hashlib.md5(padded[i : i + 2].encode()).hexdigest(), 16) % self.dims
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


class ScriptedWorkflow:
    """A WorkflowRunner that answers each turn with the next prepared output document."""

    def __init__(self, outputs: list[Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
        self._outputs = list(outputs)
        self.inputs: list[dict[str, Any]] = []

    def run_turn(self, turn_input: dict[str, Any]) -> dict[str, Any]:
        self.inputs.append(turn_input)
        return self._outputs.pop(0)(turn_input)
