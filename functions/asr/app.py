"""ASR Lambda: caller audio -> transcript. Models load once, at init, from the ASR layer."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.asr.recognizer import SpeechRecognizer
from outdial.config import get_settings
from outdial.observability import powertools, record_stage
from outdial.stages import AsrStage
from outdial.wiring import object_store

SETTINGS = get_settings()
logger, metrics, tracer = powertools("asr")
STAGE = AsrStage(
    SpeechRecognizer.load(threads=SETTINGS.ort_threads),  # sessions created and warmed here
    object_store(SETTINGS),
    SETTINGS.max_audio_bytes,
)


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = STAGE.handle(event)
    record_stage(metrics, event, result)
    return result
