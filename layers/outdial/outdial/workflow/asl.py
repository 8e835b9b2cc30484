"""A small, strict Amazon States Language interpreter for the local mode.

It executes the very ``.asl.json`` file that SAM deploys, so local runs and Step Functions
follow one definition. Only the subset outdial uses is supported (Task, Pass, Choice,
Succeed, Fail; JSONPath I/O processing; Retry; Catch; TimeoutSeconds); anything else is
rejected up front with ``UnsupportedAslError`` instead of being silently misread.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import re
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Invoker = Callable[[Any], Any]

_SUPPORTED_STATES = {"Task", "Pass", "Choice", "Succeed", "Fail"}
_PLACEHOLDER = re.compile(r"^\$\{(\w+)\}$")
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']+)'\]")


class UnsupportedAslError(ValueError):
    """The definition uses a feature this interpreter does not implement."""


class _ExecutionTimeout(Exception):
    """The whole execution ran out of time: no Catch applies."""


class StatesError(Exception):
    """An error inside the execution, named as Step Functions names it."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


@dataclass
class StateRun:
    name: str
    type: str
    duration_ms: float
    attempts: int = 1
    error: str | None = None


@dataclass
class Execution:
    status: str  # SUCCEEDED | FAILED
    output: Any
    error: str | None = None
    cause: str | None = None
    states: list[StateRun] = field(default_factory=list)


# --- JSONPath (the reference-path subset ASL allows in I/O fields) -----------------------


def _parse_path(path: str) -> list[str | int]:
    if path == "$":
        return []
    if not path.startswith("$"):
        raise UnsupportedAslError(f"path {path!r} must start with '$'")
    tokens: list[str | int] = []
    pos = 1
    while pos < len(path):
        match = _PATH_TOKEN.match(path, pos)
        if not match:
            raise UnsupportedAslError(f"unsupported JSONPath {path!r} at {path[pos:]!r}")
        name, index, quoted = match.groups()
        tokens.append(int(index) if index is not None else (name or quoted))
        pos = match.end()
    return tokens


_MISSING = object()


def _get(document: Any, path: str) -> Any:
    value = document
    for token in _parse_path(path):
        in_list = isinstance(token, int) and isinstance(value, list) and token < len(value)
        in_dict = isinstance(token, str) and isinstance(value, dict) and token in value
        if in_list or in_dict:
            value = value[token]
        else:
            return _MISSING
    return value


def read_path(document: Any, path: str) -> Any:
    value = _get(document, path)
    if value is _MISSING:
        raise StatesError("States.Runtime", f"The JSONPath '{path}' could not be found in the input")
    return value


def write_path(document: Any, path: str | None, result: Any) -> Any:
    """ResultPath semantics: None discards the result, '$' replaces the input."""
    if path is None:
        return document
    tokens = _parse_path(path)
    if not tokens:
        return result
    root = copy.deepcopy(document) if isinstance(document, dict) else {}
    node = root
    for token in tokens[:-1]:
        if not isinstance(token, str):
            raise UnsupportedAslError(f"ResultPath {path!r}: array indexes are not supported")
        node = node.setdefault(token, {})
        if not isinstance(node, dict):
            raise StatesError("States.ResultPathMatchFailure", f"cannot write {path!r}")
    last = tokens[-1]
    if not isinstance(last, str):
        raise UnsupportedAslError(f"ResultPath {path!r}: array indexes are not supported")
    node[last] = result
    return root


def resolve_template(template: Any, document: Any) -> Any:
    """Parameters / ResultSelector: keys ending in '.$' take their value from a path."""
    if isinstance(template, dict):
        resolved: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                if not isinstance(value, str) or not value.startswith("$"):
                    raise UnsupportedAslError(f"{key}: only JSONPath values are supported, got {value!r}")
                resolved[key[:-2]] = read_path(document, value)
            else:
                resolved[key] = resolve_template(value, document)
        return resolved
    if isinstance(template, list):
        return [resolve_template(item, document) for item in template]
    return template


# --- Choice rules -------------------------------------------------------------------------

_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "StringEquals": lambda a, b: isinstance(a, str) and a == b,
    "NumericEquals": lambda a, b: _is_number(a) and a == b,
    "NumericGreaterThan": lambda a, b: _is_number(a) and a > b,
    "NumericGreaterThanEquals": lambda a, b: _is_number(a) and a >= b,
    "NumericLessThan": lambda a, b: _is_number(a) and a < b,
    "NumericLessThanEquals": lambda a, b: _is_number(a) and a <= b,
    "BooleanEquals": lambda a, b: isinstance(a, bool) and a == b,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches(rule: Mapping[str, Any], document: Any) -> bool:
    if "And" in rule:
        return all(_matches(sub, document) for sub in rule["And"])
    if "Or" in rule:
        return any(_matches(sub, document) for sub in rule["Or"])
    if "Not" in rule:
        return not _matches(rule["Not"], document)
    value = _get(document, rule["Variable"])
    if "IsPresent" in rule:
        return (value is not _MISSING) == bool(rule["IsPresent"])
    if value is _MISSING:
        raise StatesError("States.Runtime", f"Invalid path '{rule['Variable']}': no such field")
    type_tests: dict[str, Callable[[Any], bool]] = {
        "IsNull": lambda v: v is None,
        "IsString": lambda v: isinstance(v, str),
        "IsNumeric": _is_number,
        "IsBoolean": lambda v: isinstance(v, bool),
    }
    for name, test in type_tests.items():
        if name in rule:
            return test(value) == bool(rule[name])
    for name, compare in _COMPARATORS.items():
        if name in rule:
            return compare(value, rule[name])
    raise UnsupportedAslError(f"unsupported Choice rule {sorted(rule)}")


# --- Interpreter ----------------------------------------------------------------------------


def _error_matches(patterns: list[str], error: str) -> bool:
    if error in patterns:
        return True
    # States.ALL matches everything except States.Runtime (as in Step Functions).
    return "States.ALL" in patterns and error != "States.Runtime"


def lambda_style_cause(exc: BaseException) -> str:
    """The Cause string Step Functions records for a failed Lambda task."""
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": str(uuid.uuid4()),
            "stackTrace": traceback.format_tb(exc.__traceback__),
        },
        separators=(",", ":"),
    )


class AslInterpreter:
    """Runs an ASL definition with ``${Name}`` resource placeholders bound to callables."""

    def __init__(
        self,
        definition: Mapping[str, Any],
        resources: Mapping[str, Invoker],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._definition = definition
        self._resources = dict(resources)
        self._sleep = sleep
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="asl-task")
        self._deadline = float("inf")
        self._validate()

    @classmethod
    def from_file(cls, path: Path, resources: Mapping[str, Invoker], **kwargs: Any) -> AslInterpreter:
        return cls(json.loads(path.read_text(encoding="utf-8")), resources, **kwargs)

    def _validate(self) -> None:
        states = self._definition.get("States", {})
        if self._definition.get("StartAt") not in states:
            raise UnsupportedAslError("StartAt does not name a state")
        for name, state in states.items():
            if state.get("Type") not in _SUPPORTED_STATES:
                raise UnsupportedAslError(f"state {name}: type {state.get('Type')!r} not supported")
            if state.get("QueryLanguage", self._definition.get("QueryLanguage", "JSONPath")) != "JSONPath":
                raise UnsupportedAslError(f"state {name}: only JSONPath is supported")
            if state["Type"] == "Task":
                placeholder = _PLACEHOLDER.match(state.get("Resource", ""))
                if not placeholder or placeholder.group(1) not in self._resources:
                    raise UnsupportedAslError(
                        f"state {name}: resource {state.get('Resource')!r} is not bound"
                    )

    def execute(self, execution_input: Any) -> Execution:
        document: Any = copy.deepcopy(execution_input)
        runs: list[StateRun] = []
        # The machine-level timeout skips every Catch, as in Step Functions.
        self._deadline = time.monotonic() + self._definition.get("TimeoutSeconds", 99_999_999)
        name: str = self._definition["StartAt"]
        states = self._definition["States"]
        while True:
            state = states[name]
            started = time.perf_counter()
            run = StateRun(name=name, type=state["Type"], duration_ms=0.0)
            runs.append(run)
            if time.monotonic() >= self._deadline:
                run.error = "States.Timeout"
                return Execution("FAILED", None, "States.Timeout", "execution timed out", runs)
            try:
                document, next_name = self._run_state(state, document, run)
            except StatesError as failure:
                run.duration_ms = (time.perf_counter() - started) * 1000
                run.error = failure.error
                return Execution("FAILED", None, failure.error, failure.cause, runs)
            except _ExecutionTimeout:
                run.duration_ms = (time.perf_counter() - started) * 1000
                run.error = "States.Timeout"
                return Execution("FAILED", None, "States.Timeout", "execution timed out", runs)
            run.duration_ms = (time.perf_counter() - started) * 1000
            if next_name is None:
                return Execution("SUCCEEDED", document, states=runs)
            name = next_name

    def _run_state(self, state: Mapping[str, Any], document: Any, run: StateRun) -> tuple[Any, str | None]:
        kind = state["Type"]
        if kind == "Succeed":
            return self._output(state, self._input(state, document)), None
        if kind == "Fail":
            raise StatesError(state.get("Error", "States.Fail"), state.get("Cause", ""))
        if kind == "Choice":
            effective = self._input(state, document)
            for rule in state["Choices"]:
                if _matches(rule, effective):
                    return self._output(state, effective), rule["Next"]
            if "Default" not in state:
                raise StatesError("States.NoChoiceMatched", "no Choice rule matched")
            return self._output(state, effective), state["Default"]

        effective = self._input(state, document)
        if "Parameters" in state:
            effective = resolve_template(state["Parameters"], effective)
        if kind == "Pass":
            result = state.get("Result", effective)
            return self._combine(state, document, result), self._next(state)

        try:
            result = self._invoke_with_retry(state, effective, run)
        except StatesError as failure:
            for catcher in state.get("Catch", []):
                if _error_matches(catcher["ErrorEquals"], failure.error):
                    run.error = failure.error
                    error_output = {"Error": failure.error, "Cause": failure.cause}
                    return write_path(document, catcher.get("ResultPath", "$"), error_output), catcher["Next"]
            raise
        if "ResultSelector" in state:
            result = resolve_template(state["ResultSelector"], result)
        return self._combine(state, document, result), self._next(state)

    def _invoke_with_retry(self, state: Mapping[str, Any], payload: Any, run: StateRun) -> Any:
        retriers = [dict(r, _count=0) for r in state.get("Retry", [])]
        while True:
            try:
                return self._invoke(state, payload)
            except StatesError as failure:
                retrier = next((r for r in retriers if _error_matches(r["ErrorEquals"], failure.error)), None)
                if retrier is None or retrier["_count"] >= retrier.get("MaxAttempts", 3):
                    raise
                delay = (
                    retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** retrier["_count"]
                )
                retrier["_count"] += 1
                run.attempts += 1
                self._sleep(min(delay, retrier.get("MaxDelaySeconds", delay)))

    def _invoke(self, state: Mapping[str, Any], payload: Any) -> Any:
        placeholder = _PLACEHOLDER.match(state["Resource"])
        assert placeholder is not None  # checked in _validate
        invoker = self._resources[placeholder.group(1)]
        # Round-trip through JSON: a Lambda sees and returns JSON, never Python objects.
        event = json.loads(json.dumps(payload))
        future = self._pool.submit(invoker, event)
        try:
            result = future.result(timeout=state.get("TimeoutSeconds", 60))
        except concurrent.futures.TimeoutError as exc:
            raise StatesError(
                "States.Timeout", f"Task timed out after {state.get('TimeoutSeconds', 60)} s"
            ) from exc
        except Exception as exc:  # a handler's exception becomes a named States error
            raise StatesError(type(exc).__name__, lambda_style_cause(exc)) from exc
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise StatesError("States.DataLimitExceeded", f"result is not JSON: {exc}") from exc

    @staticmethod
    def _input(state: Mapping[str, Any], document: Any) -> Any:
        path = state.get("InputPath", "$")
        return {} if path is None else read_path(document, path)

    @staticmethod
    def _output(state: Mapping[str, Any], document: Any) -> Any:
        path = state.get("OutputPath", "$")
        return {} if path is None else read_path(document, path)

    def _combine(self, state: Mapping[str, Any], document: Any, result: Any) -> Any:
        combined = write_path(document, state.get("ResultPath", "$"), result)
        return self._output(state, combined)

    @staticmethod
    def _next(state: Mapping[str, Any]) -> str | None:
        return None if state.get("End") else state["Next"]
