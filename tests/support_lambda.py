"""Loading the real Lambda handler modules in-process, as the Lambda runtime would."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def load_handler_module(function: str, module: str = "app") -> ModuleType:
    """Import functions/<function>/<module>.py once per process (its init runs once)."""
    name = f"outdial_fn_{function}_{module}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "functions" / function / f"{module}.py")
        assert spec and spec.loader
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)
    return sys.modules[name]


@dataclass
class FakeLambdaContext:
    function_name: str = "outdial-test"
    memory_limit_in_mb: int = 2048
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:outdial-test:live"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "1"
    log_group_name: str = "/aws/lambda/outdial-test"
    log_stream_name: str = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
