"""Reply Lambda: script node + intent -> the line to say (text + SSML)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.billing.emf import InvocationMeter
from outdial.config import get_settings
from outdial.nlu.classifier import IntentClassifier
from outdial.observability import powertools
from outdial.reply import ReplyEngine
from outdial.script import ScriptCatalog
from outdial.stages import ReplyStage

SETTINGS = get_settings()
logger, metrics, tracer = powertools("reply")
METER = InvocationMeter("reply")  # started before the models load, so init time is measured
_ENGINE = ReplyEngine(ScriptCatalog.from_dirs(), IntentClassifier.load(threads=SETTINGS.ort_threads))
_ENGINE.warm_up()  # embeds every FAQ once, here, not on a caller's turn
STAGE = ReplyStage(_ENGINE)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with METER.measure(metrics, event, context) as invocation:
        result = STAGE.handle(event)
        invocation.observe(result)
    return result
