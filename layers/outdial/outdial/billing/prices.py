"""The one price table every cost in outdial comes from: versioned, sourced, user-overridable.

The shipped table is a JSON file under ``billing/prices/``; ``OUTDIAL_PRICE_TABLE`` names a JSON
file of the same shape holding only the entries a user changes (their carrier's rate, their
agents' wage). Every entry carries its source and date, and says when it is an assumption.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from outdial.errors import ConfigError

Architecture = Literal["x86_64", "arm64"]
DEFAULT_TABLE = "aws-us-east-1-2026-11.json"
OVERRIDE_ENV = "OUTDIAL_PRICE_TABLE"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quantity(_Frozen):
    """One number the bill depends on, with where it came from."""

    value: Decimal = Field(ge=0)
    unit: str
    source: str
    source_date: str
    assumption: bool = False
    note: str = ""


class LambdaArchitecturePrices(_Frozen):
    duration_gb_second: Quantity
    request: Quantity
    provisioned_concurrency_gb_second: Quantity
    provisioned_duration_gb_second: Quantity


class InitBilling(_Frozen):
    billed_from: str
    source: str
    source_date: str
    note: str


class LambdaPrices(_Frozen):
    x86_64: LambdaArchitecturePrices
    arm64: LambdaArchitecturePrices
    duration_step_ms: Quantity
    init_billing: InitBilling

    def for_architecture(self, architecture: Architecture) -> LambdaArchitecturePrices:
        return self.arm64 if architecture == "arm64" else self.x86_64


class StepFunctionsExpressPrices(_Frozen):
    request: Quantity
    duration_gb_second: Quantity
    memory_step_mb: Quantity
    duration_step_ms: Quantity
    assumed_memory_mb: Quantity


class ApiGatewayHttpPrices(_Frozen):
    request: Quantity
    request_step_kb: Quantity


class TelephonyPrices(_Frozen):
    per_minute: Quantity
    billing_increment_seconds: Quantity


class TtsPrices(_Frozen):
    per_million_characters: Quantity


class ManagedServicePrices(_Frozen):
    transcribe_streaming_per_minute: Quantity
    transcribe_minimum_seconds: Quantity
    lex_text_request: Quantity
    lex_speech_request: Quantity
    polly_neural_per_million_characters: Quantity
    polly_standard_per_million_characters: Quantity


class HumanAgentPrices(_Frozen):
    hourly: Quantity
    occupancy: Quantity


class SpeechRates(_Frozen):
    zh_characters_per_second: Quantity
    en_characters_per_second: Quantity
    turn_gap_seconds: Quantity


class PriceTable(_Frozen):
    schema_: int = Field(alias="schema")
    version: str
    region: str
    currency: Literal["USD"]
    as_of: str
    notes: list[str] = Field(default_factory=list)
    overridden_by: list[str] = Field(default_factory=list)
    lambda_: LambdaPrices = Field(alias="lambda")
    step_functions_express: StepFunctionsExpressPrices
    api_gateway_http: ApiGatewayHttpPrices
    telephony: TelephonyPrices
    tts: TtsPrices
    managed: ManagedServicePrices
    human_agent: HumanAgentPrices
    speech: SpeechRates

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def entries(self) -> Iterator[tuple[str, Quantity]]:
        """Every quantity with its dotted path, for printing sources and assumptions."""
        yield from _walk(self.model_dump(by_alias=True), "")

    def with_overrides(self, overrides: Mapping[str, Any], origin: str) -> PriceTable:
        """A new table with ``overrides`` (same nested shape, any subset) merged over this one."""
        merged = _deep_merge(self.model_dump(mode="json", by_alias=True), _stamp(overrides, origin))
        merged["overridden_by"] = [*self.overridden_by, origin]
        try:
            return PriceTable.model_validate(merged)
        except ValidationError as exc:
            raise ConfigError(f"price override {origin}: {exc}") from exc

    def with_values(self, values: Mapping[str, Decimal | str | float], origin: str) -> PriceTable:
        """Override single values by dotted path, e.g. {"telephony.per_minute": "0.009"}."""
        nested: dict[str, Any] = {}
        for path, value in values.items():
            node = nested
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = {"value": str(value)}
        return self.with_overrides(nested, origin)


def _walk(node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Quantity]]:
    for key, value in node.items():
        if not isinstance(value, Mapping):
            continue
        path = f"{prefix}{key}"
        if "value" in value and "unit" in value:
            yield path, Quantity.model_validate(value)
        else:
            yield from _walk(value, f"{path}.")


def _stamp(overrides: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """An overridden quantity without its own source is sourced to the override file."""
    stamped: dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, Mapping) and "value" in value:
            stamped[key] = {"source": origin, "source_date": "user", "assumption": True, "note": "", **value}
        elif isinstance(value, Mapping):
            stamped[key] = _stamp(value, origin)
        else:
            stamped[key] = value
    return stamped


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_table(path: Path) -> PriceTable:
    try:
        return PriceTable.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # ValidationError is a ValueError
        raise ConfigError(f"price table {path}: {exc}") from exc


def shipped_table(name: str = DEFAULT_TABLE) -> PriceTable:
    text = resources.files("outdial.billing").joinpath("prices", name).read_text(encoding="utf-8")
    return PriceTable.model_validate(json.loads(text))


def load_price_table(environ: Mapping[str, str] | None = None) -> PriceTable:
    """The shipped table with the user's override file (``OUTDIAL_PRICE_TABLE``) merged over it."""
    env = os.environ if environ is None else environ
    return _load(env.get(OVERRIDE_ENV) or None)


@lru_cache(maxsize=4)
def _load(override_path: str | None) -> PriceTable:
    table = shipped_table()
    if override_path is None:
        return table
    path = Path(override_path)
    try:
        overrides = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{OVERRIDE_ENV}={override_path}: {exc}") from exc
    if not isinstance(overrides, dict):
        raise ConfigError(f"{OVERRIDE_ENV}={override_path}: expected a JSON object")
    return table.with_overrides(overrides, str(path))
