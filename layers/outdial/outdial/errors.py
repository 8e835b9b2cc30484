"""Named errors. The class name is the error name Step Functions sees (Lambda errorType),
so the state machine's Retry/Catch match on these names: keep them stable."""

from __future__ import annotations

from pydantic import ValidationError


def fields_at_fault(exc: ValidationError) -> str:
    """Every field a pydantic validation rejected, with why: the text of a 4xx or a named error."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
    )


class OutdialError(Exception):
    """Base for every error outdial raises on purpose."""


class InvalidEventError(OutdialError):
    """An event or request did not match its schema; the message names the field."""


class AudioDecodeError(OutdialError):
    """The audio payload could not be decoded (bad base64, unknown encoding, corrupt WAV...)."""


class NoSpeechError(OutdialError):
    """The audio decoded but voice activity detection found no speech in it."""


class ModelNotAvailableError(OutdialError):
    """A stage's model artifacts are missing or unreadable. Never fake a stage's output."""


class TransientStageError(OutdialError):
    """A stage failed for a reason worth retrying (throttling, a dependency timing out)."""


class ScriptError(OutdialError):
    """A campaign script is invalid (unknown node, missing language line...)."""


class ConfigError(OutdialError):
    """Environment configuration is missing or invalid; raised once at init."""


class NotFoundError(OutdialError):
    """A campaign, call or object does not exist."""


class WorkflowFailedError(OutdialError):
    """The call-turn state machine itself failed (its Catch makes this an outage, not a bad turn)."""
