"""Suite-wide environment: no real AWS, no X-Ray daemon, state under pytest's tmp dirs."""

from __future__ import annotations

import os

# Set before any handler module is imported: handlers read settings at import (init) time.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "OutdialTest")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "outdial")
