"""Campaign scheduler Lambda (every minute): queue the attempts that fall due within SQS's delay
horizon, re-send lost ones, complete campaigns with nothing left to dial."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.campaign.wiring import campaign_service
from outdial.config import get_settings
from outdial.observability import powertools

SETTINGS = get_settings()
logger, metrics, tracer = powertools("campaign-scheduler")
SERVICE = campaign_service(SETTINGS)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    sent = SERVICE.enqueue_due()
    metrics.add_metric(name="DialsQueued", unit=MetricUnit.Count, value=sent)
    return {"queued": sent, "at": event.time}
