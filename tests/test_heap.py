"""The server settles the garbage collector while it runs, and puts it back after."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from fastapi.testclient import TestClient

from sigap.core import heap


def test_a_running_server_freezes_what_start_up_made_and_collects_less_often(
        app: FastAPI) -> None:
    before = gc.get_threshold()
    with TestClient(app) as client:
        assert client.get("/api/health").status_code == 200
        assert gc.get_threshold() == heap.THRESHOLD
        assert gc.get_freeze_count() > 0
        frozen = gc.get_freeze_count()
        gc.collect()
        assert gc.get_freeze_count() == frozen  # a full collection leaves them alone
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
