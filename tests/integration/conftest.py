"""Fixtures of the integration tests: a small province (tests/support.py) and the Chalice
test client over in-process moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import World, build_world


@pytest.fixture
def world(aws: None) -> Iterator[World]:
    yield build_world()


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
