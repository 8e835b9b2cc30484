"""Powertools wiring shared by every Lambda: one Logger, Metrics and Tracer per function.

Dimensions stay low-cardinality (service, stage, function, architecture); call, turn and
contact ids go to metadata, never dimensions.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer


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

