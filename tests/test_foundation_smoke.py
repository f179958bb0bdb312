"""The app starts on each backend, migrations ran, health checks the database."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_checks_database(client: TestClient) -> None:
    answer = client.get("/api/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Sigap"
    assert client.get("/api/docs").status_code == 200


def test_request_transaction_commits_before_the_response() -> None:
    # A redirect after a form post must land on a page that already sees the write.
    from typing import get_args

    from sigap.web.deps import DbSession

    depends = get_args(DbSession)[1]
    assert depends.scope == "function"
