"""API Lambda: FastAPI through mangum. API Gateway's IAM authorizer guards every route."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum
from outdial.api.app import create_app
from outdial.config import get_settings
from outdial.observability import powertools
from outdial.wiring import call_service

SETTINGS = get_settings()
logger, metrics, tracer = powertools("api")
_ASGI = Mangum(
    create_app(call_service(SETTINGS), api_token=None, max_audio_bytes=SETTINGS.max_audio_bytes),
    lifespan="off",
)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = _ASGI(event, context)  # type: ignore[arg-type]  # same fields, other stub
    return response
