"""Configuration from environment variables, validated once at init.

Every function and the local mode read one ``Settings``; a missing or malformed value
fails at start-up with ``ConfigError`` naming the variable, never mid-call.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from outdial.errors import ConfigError

_PREFIX = "OUTDIAL_"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["local", "aws"] = "local"
    # local backend: where state, objects and metrics live
    home: Path = Field(default_factory=lambda: Path.cwd() / ".outdial")
    # aws backend
    table: str | None = None
    bucket: str | None = None
    queue_url: str | None = None
    state_machine_arn: str | None = None
    idempotency_table: str | None = None
    stage_name: str = "dev"
    # models
    model_dir: Path | None = None
    ort_threads: int = Field(default=2, ge=1, le=16)
    # API
    api_token: str | None = None  # local mode: bearer token; generated if absent
    max_audio_bytes: int = Field(default=2_000_000, ge=1_000)
    # dialogue
    max_turns: int = Field(default=10, ge=1, le=50)
    fallbacks_before_transfer: int = Field(default=2, ge=1, le=10)

    def require(self, *names: str) -> None:
        """Fail at init when a function needs a resource its environment does not name."""
        missing = [f"{_PREFIX}{n.upper()}" for n in names if getattr(self, n) in (None, "")]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    values = {
        key[len(_PREFIX) :].lower(): value
        for key, value in env.items()
        if key.startswith(_PREFIX) and key[len(_PREFIX) :].lower() in Settings.model_fields
    }
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_PREFIX}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()
