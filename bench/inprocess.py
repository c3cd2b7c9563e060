"""The environment of the in-process benchmarks, set on import (before zhtj is imported, as the
test suite's tests/conftest.py does: settings are read once): moto's fake credentials in the
China region, the table's name, quiet powertools, the local fake identity provider selected and
passing everyone, no local-stack endpoint; and the repository and functions/ on sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "cn-north-1",
    "AWS_REGION": "cn-north-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "ZHTJ_TABLE": "zhtj",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "zhtj",
    "POWERTOOLS_DEV": "false",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    # REG-5: the local stand-in for the real-name authority (infra/local/fake_identity.py),
    # selected explicitly; every first check passes.
    "ZHTJ_IDENTITY_PROVIDER": "fake",
    "ZHTJ_FAKE_IDP_FAIL_PERCENT": "0",
}

os.environ.update(ENVIRONMENT)
os.environ.pop("AWS_ENDPOINT_URL", None)
for path in (ROOT, ROOT / "functions"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from infra.local import fake_identity  # noqa: E402  (after the environment: it imports zhtj)

fake_identity.install()
