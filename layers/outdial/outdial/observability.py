"""Powertools wiring shared by every Lambda: one Logger, Metrics and Tracer per function.

Dimensions stay low-cardinality (service, stage, function, architecture); call, turn and
contact ids go to metadata, never dimensions.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit


def powertools(stage: str) -> tuple[Logger, Metrics, Tracer]:
    logger = Logger(service="outdial")
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Outdial"), service="outdial")
    metrics.set_default_dimensions(
        stage=stage,
        function=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", f"outdial-{stage}"),
        architecture=os.environ.get("OUTDIAL_ARCHITECTURE", "x86_64"),
    )
    tracer = Tracer(service="outdial")
    return logger, metrics, tracer


def record_stage(metrics: Metrics, event: Any, result: dict[str, Any]) -> None:
    """Model compute for this invocation, with the ids that locate it as metadata."""
    metrics.add_metric(
        name="ModelComputeMs", unit=MetricUnit.Milliseconds, value=float(result.get("compute_ms", 0))
    )
    if "audio_ms" in result:
        metrics.add_metric(
            name="AudioSeconds", unit=MetricUnit.Seconds, value=float(result["audio_ms"]) / 1000
        )
    if isinstance(event, dict):
        for key in ("call_id", "turn_id", "campaign_id"):
            if key in event:
                metrics.add_metadata(key=key, value=str(event[key]))
