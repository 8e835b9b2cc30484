"""Campaign ingest Lambda: S3 "Object Created" (via EventBridge) on campaigns/<id>/contacts.csv ->
validate every row, scrub DNC, schedule first attempts. Bad rows are reported, never fatal."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.campaign.wiring import campaign_service
from outdial.config import get_settings
from outdial.errors import InvalidEventError
from outdial.observability import powertools
from pydantic import BaseModel, ValidationError


class _Named(BaseModel):
    name: str


class _Object(BaseModel):
    key: str


class _Detail(BaseModel):
    bucket: _Named
    object: _Object


class ObjectCreated(BaseModel):
    detail: _Detail


SETTINGS = get_settings()
logger, metrics, tracer = powertools("campaign-ingest")
SERVICE = campaign_service(SETTINGS)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        created = ObjectCreated.model_validate(event)
    except ValidationError as exc:
        raise InvalidEventError(f"not an S3 Object Created event: {exc}") from exc
    key = created.detail.object.key
    report = SERVICE.ingest_object(key)
    summary = report.summary
    metrics.add_metric(name="ContactsImported", unit=MetricUnit.Count, value=summary.imported)
    metrics.add_metric(name="ContactRowsRejected", unit=MetricUnit.Count, value=summary.rejected)
    metrics.add_metadata(key="object_key", value=key)
    logger.info("contacts imported", extra={"key": key, "summary": summary.model_dump()})
    return {"key": key, "summary": summary.model_dump(), "problems": len(report.problems)}
