"""Fixtures of the integration tests: a small province (tests/support.py) and the Chalice
test client over in-process moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import moto_state
from tests.support import World


@pytest.fixture
def world(aws: None) -> Iterator[World]:
    """build_world()'s province: the `aws` fixture restored it with the rest of moto's state
    (tests/moto_state.py); this is the test's own copy of the World that describes it."""
    yield moto_state.current_value()


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
