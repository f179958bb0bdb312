"""CSAT tests: WhatsApp secrets for signed deliveries, the local Graph API server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sigap.config import Settings
from tests.channels.whatsapp.graph_server import FakeGraph
from tests.channels.whatsapp.helpers import SECRET, VERIFY


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-not-for-production",
                    whatsapp_app_secret=SECRET, whatsapp_verify_token=VERIFY,
                    whatsapp_access_token="graph-token",
                    public_base_url="https://sigap.example")


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    server = FakeGraph("graph-token")
    server.start()
    yield server
    server.stop()
