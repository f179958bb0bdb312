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
