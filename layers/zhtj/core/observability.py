"""The one Logger, Tracer and Metrics of the system; every other module imports these.

The logger masks anything shaped like an ID number (zhtj.logredact), as a safety net: code
must still never log a raw ID number.

The Tracer is made only where tracing is on (`settings.tracing_enabled()`): powertools'
Tracer imports the X-Ray SDK (about 125 ms of every cold start) even when tracing is disabled,
as it is in the China regions (no X-Ray integration there), locally and in the tests."""

from functools import lru_cache

from aws_lambda_powertools import Logger, Metrics, Tracer

from zhtj.core import settings
from zhtj.core.logredact import install as install_id_masking

SERVICE = "zhtj"

logger = Logger(service=SERVICE)
install_id_masking(logger)
metrics = Metrics(service=SERVICE, namespace="zhtj")


@lru_cache(maxsize=1)
def tracer() -> Tracer | None:
    """The system's Tracer, or None where tracing is off (nothing to capture)."""
    return Tracer(service=SERVICE) if settings.tracing_enabled() else None
