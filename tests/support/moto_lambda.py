"""Let moto's Step Functions engine run Lambda Tasks with real handlers, in-process, no Docker.

moto 5 executes a Lambda Task as a boto3 ``lambda.invoke`` (state_task_lambda.py ->
lambda_eval_utils.execute_lambda_function_integration), which its Lambda service turns into
``LambdaFunction.invoke`` -> ``_invoke_lambda`` -> a Docker container. We replace only
``LambdaFunction.invoke``: everything above it (the Task state, the HTTP-level Invoke API,
FunctionError handling, Retry and Catch) stays moto's own code. ``invoke`` rather than
``_invoke_lambda`` because the error flag is set there, and a real Python runtime marks a
handler exception ``Unhandled`` (moto's Docker path says ``Handled``).

A handler exception answers as the Lambda Python runtime does: header
``X-Amz-Function-Error: Unhandled`` and the payload {errorMessage, errorType, requestId,
stackTrace}; Step Functions names the error by errorType and keeps the payload as Cause.
"""

from __future__ import annotations

import inspect
import io
import json
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from unittest import mock

import boto3
import moto
from moto.awslambda.models import LambdaFunction
from moto.core.config import DefaultConfig
from moto.stepfunctions.parser.backend.execution import Execution as SfnExecution

PINNED_MOTO = "5.2.1"
if moto.__version__ != PINNED_MOTO:  # the patch below targets this version's internals
    raise RuntimeError(
        f"tests/support/moto_lambda.py was written against moto {PINNED_MOTO}, found {moto.__version__}: "
        "re-check where moto invokes Lambda for a Step Functions Task before changing the pin"
    )
_EXPECTED_SIGNATURE = ["self", "body", "request_headers", "response_headers"]
if list(inspect.signature(LambdaFunction.invoke).parameters) != _EXPECTED_SIGNATURE:
    raise RuntimeError(f"moto's LambdaFunction.invoke is no longer ({', '.join(_EXPECTED_SIGNATURE)})")

Handler = Callable[[Any, Any], Any]
MOTO_SFN_CONFIG: DefaultConfig = {"stepfunctions": {"execute_state_machine": True}}
REGION = "us-east-1"


@dataclass
class LambdaContext:
    """The attributes of the Lambda Python runtime's context object that handlers read."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "in-process"
    _started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


@dataclass(frozen=True)
class Invocation:
    function_name: str
    event: Any
    error_type: str | None  # None: the handler returned


def _from_handler(tb: TracebackType | None) -> TracebackType | None:
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def error_payload(exc: BaseException, request_id: str) -> dict[str, Any]:
    """What the Lambda Python runtime returns for an exception that escaped the handler."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": request_id,
        # From the handler's frame down, as the runtime shows it (this module's frame is dropped).
        "stackTrace": traceback.format_list(traceback.extract_tb(_from_handler(exc.__traceback__))),
    }


@dataclass
class _Route:
    handler: Handler
    log: list[Invocation]


# Function name -> handler for every active handlers_in_process block (blocks may nest, e.g.
# two module-scoped fixtures); the patch is installed while at least one block is open.
_ROUTES: dict[str, _Route] = {}
_ROUTES_LOCK = threading.Lock()
_PATCH: list[Any] = []


def _invoke_in_process(fn: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    """Stands in for LambdaFunction.invoke: the Lambda Python runtime's contract, in-process."""
    with _ROUTES_LOCK:
        route = _ROUTES.get(fn.function_name)
    if route is None:  # loud: a silent Docker fallback would hang or mislead
        raise LookupError(f"no in-process handler for Lambda function {fn.function_name!r}")
    invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
    if invocation_type != "RequestResponse":
        raise NotImplementedError(f"invocation type {invocation_type!r} is not emulated")
    event = json.loads(body) if body else {}
    context = LambdaContext(
        function_name=fn.function_name,
        function_version=str(fn.version),
        invoked_function_arn=fn.function_arn,
        memory_limit_in_mb=int(fn.memory_size),
        timeout_seconds=float(fn.timeout),
    )
    error_type: str | None = None
    try:
        result = route.handler(event, context)
    except Exception as exc:
        error_type = type(exc).__name__
        payload = json.dumps(error_payload(exc, context.aws_request_id))
    else:
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as exc:  # the runtime's own failure to serialise the result
            error_type = "Runtime.MarshalError"
            payload = json.dumps(
                {
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "errorType": error_type,
                    "requestId": context.aws_request_id,
                    "stackTrace": [],
                }
            )
    if error_type is not None:
        response_headers["x-amz-function-error"] = "Unhandled"
    with _ROUTES_LOCK:
        route.log.append(Invocation(fn.function_name, event, error_type))
    return payload.encode("utf-8")


@contextmanager
def handlers_in_process(handlers: Mapping[str, Handler]) -> Iterator[list[Invocation]]:
    """Within the block, invoking moto Lambda function ``name`` calls ``handlers[name](event, ctx)``.

    Yields this block's invocation log (appended from moto's execution thread, in call order).
    """
    log: list[Invocation] = []
    with _ROUTES_LOCK:
        taken = sorted(set(handlers) & set(_ROUTES))
        if taken:
            raise ValueError(f"Lambda function(s) already routed by another block: {', '.join(taken)}")
        _ROUTES.update({name: _Route(handler, log) for name, handler in handlers.items()})
        if not _PATCH:
            patcher = mock.patch.object(LambdaFunction, "invoke", _invoke_in_process)
            patcher.start()
            _PATCH.append(patcher)
    try:
        yield log
    finally:
        with _ROUTES_LOCK:
            for name in handlers:
                del _ROUTES[name]
            if not _ROUTES:
                _PATCH.pop().stop()


@contextmanager
def rerunnable_state_machines() -> Iterator[None]:
    """Work around moto 5.2.1 bug getmoto/moto#10077 (fixed upstream by PR #10093).

    StartExecution deep-copies the state machine, executions included; a finished execution
    keeps a worker holding an RLock, so the second StartExecution of any machine fails with
    "cannot pickle '_thread.RLock' object". Copying an execution by reference is harmless
    there: the copy is only the new execution's snapshot of the definition.
    """
    with mock.patch.object(SfnExecution, "__deepcopy__", lambda self, memo: self, create=True):
        yield


def _placeholder_zip() -> bytes:
    # The code never runs (handlers_in_process answers instead); moto only needs a valid zip.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    raise RuntimeError('not in-process')\n")
    return buffer.getvalue()


def create_role() -> str:
    """An execution role for moto's Lambda functions and state machines (inside mock_aws)."""
    iam = boto3.client("iam", region_name=REGION)
    role: str = iam.create_role(
        RoleName=f"outdial-test-{uuid.uuid4().hex[:8]}",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    return role


def create_functions(names: list[str], timeout_seconds: int = 30, memory_mb: int = 2048) -> dict[str, str]:
    """Create moto Lambda functions (inside an active mock_aws) and return name -> ARN."""
    role = create_role()
    client = boto3.client("lambda", region_name=REGION)
    code = _placeholder_zip()
    return {
        name: client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": code},
            Timeout=timeout_seconds,
            MemorySize=memory_mb,
        )["FunctionArn"]
        for name in names
    }
