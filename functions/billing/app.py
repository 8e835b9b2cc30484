"""Billing Lambda: the exact billed cost from Lambda's REPORT records, reconciled per call.

Trigger: a CloudWatch Logs subscription filter on the log group of each stage function (asr,
intent, reply, api), delivering both the platform REPORT records and the handlers' EMF blobs.
A REPORT (exact billed duration, request id) is joined to the EMF blob of the same invocation
(estimate, call id) by request id; both come from one execution environment's log stream, so
they normally arrive in the same delivery. A REPORT whose blob is not in the batch is logged
with its exact cost and request id, to be joined in Logs Insights.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from outdial.billing.cost import to_micro_usd
from outdial.billing.emf import current_architecture, invocation_records, parse_emf_lines
from outdial.billing.prices import load_price_table
from outdial.billing.reconcile import billed_cost_usd, billed_invocations, decode_subscription, reconcile
from outdial.observability import powertools

logger, metrics, tracer = powertools("billing")
PRICES = load_price_table()
ARCHITECTURE = current_architecture()  # the stage functions share the template's architecture


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    payload = decode_subscription(event)
    if payload.messageType == "CONTROL_MESSAGE":  # CloudWatch Logs checking the destination
        return {"reports": 0, "calls": 0}
    estimates = invocation_records(parse_emf_lines(e.message for e in payload.logEvents))
    reports = billed_invocations(payload)
    result = reconcile(estimates, reports, PRICES)
    for call in result.calls:
        logger.info(
            "call_billing_reconciled",
            extra={
                "call_id": call.call_id,
                "invocations": call.invocations,
                "estimated_usd": str(call.estimated_usd),
                "billed_usd": str(call.billed_usd),
                "difference_usd": str(call.difference_usd),
                "cold_starts": call.cold_starts,
                "init_billed_ms": call.init_billed_ms,
                "log_group": payload.logGroup,
            },
        )
    for report in result.unmatched_reports:
        logger.info(
            "billed_invocation_unmatched",
            extra={
                "request_id": report.request_id,
                "billed_duration_ms": report.billed_duration_ms,
                "init_duration_ms": report.init_duration_ms,
                "billed_usd": str(billed_cost_usd(report, ARCHITECTURE, False, "", PRICES)),
                "log_group": payload.logGroup,
            },
        )
    metrics.add_metric(name="ReconciledInvocations", unit=MetricUnit.Count, value=len(reports))
    metrics.add_metric(name="UnmatchedReports", unit=MetricUnit.Count, value=len(result.unmatched_reports))
    metrics.add_metric(name="BilledMicroUSD", unit=MetricUnit.NoUnit, value=to_micro_usd(result.billed_usd))
    metrics.add_metric(
        name="BillingEstimateErrorMicroUSD",
        unit=MetricUnit.NoUnit,
        value=to_micro_usd(result.billed_usd - result.estimated_usd),
    )
    return {"reports": len(reports), "calls": len(result.calls), "note": result.note}
