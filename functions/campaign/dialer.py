"""Campaign dialer Lambda: SQS dial messages -> compliance gates at dial time -> one call per attempt.

Partial batch failures: a message that cannot be settled yet (another delivery is mid-dial) is
reported failed and redelivered; the rest of the batch is not retried. Poison messages go to the DLQ.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.campaign.runner import dial_message
from outdial.campaign.wiring import campaign_service
from outdial.config import get_settings
from outdial.observability import powertools

SETTINGS = get_settings()
logger, metrics, tracer = powertools("campaign-dialer")
SERVICE = campaign_service(SETTINGS)
PROCESSOR = BatchProcessor(event_type=EventType.SQS)
METRIC_NAMES = {
    "dialled": "DialsPlaced",
    "pending": "DialsPlaced",
    "refused": "DialsRefused",
    "postponed": "DialsPostponed",
    "paced": "DialsPaced",
    "duplicate": "DuplicateDeliveries",
}


def record_handler(record: SQSRecord) -> dict[str, Any]:
    result = dial_message(SERVICE, record.json_body)
    metrics.add_metric(name=METRIC_NAMES[result.kind], unit=MetricUnit.Count, value=1)
    logger.info(
        "dial message settled",
        extra={
            "message_id": record.message_id,
            "kind": result.kind,
            "reason": result.reason,
            "outcome": result.outcome,
        },
    )
    return {"kind": result.kind, "reason": result.reason}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    register = getattr(SERVICE.idempotency, "register_lambda_context", None)
    if register is not None:
        register(context)
    response: dict[str, Any] = process_partial_response(  # type: ignore[assignment]  # a TypedDict
        event=event, record_handler=record_handler, processor=PROCESSOR, context=context
    )
    return response
