"""Fixtures of the security and bad-input tests: the integration tests' province and Chalice
client (tests/integration/conftest.py), shared rather than copied."""

from tests.integration.conftest import client, world

__all__ = ["client", "world"]
