"""The one Logger, Tracer and Metrics of the system; every other module imports these."""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "zhtj"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace="zhtj")
