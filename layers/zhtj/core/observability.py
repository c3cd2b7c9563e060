"""The one Logger, Tracer and Metrics of the system; every other module imports these.

The logger masks anything shaped like an ID number (zhtj.logredact), as a safety net: code
must still never log a raw ID number."""

from aws_lambda_powertools import Logger, Metrics, Tracer

from zhtj.core.logredact import install as install_id_masking

SERVICE = "zhtj"

logger = Logger(service=SERVICE)
install_id_masking(logger)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace="zhtj")
