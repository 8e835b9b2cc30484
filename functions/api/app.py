"""API Lambda: FastAPI through mangum. API Gateway's IAM authorizer guards every route."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum
from outdial.billing.emf import InvocationMeter
from outdial.config import get_settings
from outdial.observability import powertools
from outdial.wiring import api_app

SETTINGS = get_settings()
logger, metrics, tracer = powertools("api")
METER = InvocationMeter("api")
_ASGI = Mangum(api_app(SETTINGS, api_token=None), lifespan="off")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with METER.measure(metrics, event, context):
        response: dict[str, Any] = _ASGI(event, context)  # type: ignore[arg-type]  # same fields, other stub
    return response
