"""Where model artifacts are found at run time.

Lambda model layers unpack to /opt/models/<role>; locally `make models` writes
build/models/<role>. OUTDIAL_MODEL_DIR overrides both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from outdial.errors import ModelNotAvailableError

ModelRole = Literal["asr", "nlu"]

_LAMBDA_LAYER_DIR = Path("/opt/models")
_REPO_BUILD_DIR = Path(__file__).resolve().parents[3] / "build" / "models"


def models_root() -> Path:
    configured = os.environ.get("OUTDIAL_MODEL_DIR")
    if configured:
        return Path(configured)
    if _LAMBDA_LAYER_DIR.is_dir():
        return _LAMBDA_LAYER_DIR
    return _REPO_BUILD_DIR


def model_dir(role: ModelRole) -> Path:
    """The directory holding one role's artifacts; fails loudly if it was never built."""
    path = models_root() / role
    if not (path / "manifest.json").is_file():
        raise ModelNotAvailableError(
            f"{role} model artifacts not found at {path} (no manifest.json). "
            "Run `make models`, or set OUTDIAL_MODEL_DIR to a directory that has them."
        )
    return path


def manifest(role: ModelRole) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((model_dir(role) / "manifest.json").read_text())
    return data
