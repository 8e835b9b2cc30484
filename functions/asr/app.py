"""ASR Lambda: caller audio -> transcript. Models load once, at init, from the ASR layer."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.asr.recognizer import SpeechRecognizer
from outdial.billing.emf import InvocationMeter
from outdial.config import get_settings
from outdial.observability import powertools
from outdial.stages import AsrStage
from outdial.wiring import object_store

SETTINGS = get_settings()
logger, metrics, tracer = powertools("asr")
METER = InvocationMeter("asr")  # started before the models load, so init time is measured
STAGE = AsrStage(
    SpeechRecognizer.load(threads=SETTINGS.ort_threads),  # sessions created and warmed here
    object_store(SETTINGS),
    SETTINGS.max_audio_bytes,
)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with METER.measure(metrics, event, context) as invocation:
        result = STAGE.handle(event)
        invocation.observe(result)
    return result
