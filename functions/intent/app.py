"""Intent Lambda: transcript -> intent + slots, with the INT8 encoder from the NLU layer."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.billing.emf import InvocationMeter
from outdial.config import get_settings
from outdial.nlu.classifier import IntentClassifier
from outdial.observability import powertools
from outdial.stages import IntentStage

SETTINGS = get_settings()
logger, metrics, tracer = powertools("intent")
METER = InvocationMeter("intent")  # started before the models load, so init time is measured
STAGE = IntentStage(IntentClassifier.load(threads=SETTINGS.ort_threads))


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with METER.measure(metrics, event, context) as invocation:
        result = STAGE.handle(event)
        invocation.observe(result)
    return result
