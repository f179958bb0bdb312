"""`sigap serve --workers N`: each process listens on a socket of its own, connections are
spread over them, a process that dies is replaced, and a taken port stops the start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sigap.db import migrate

BIN = Path(sys.executable).parent / "sigap"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sockets(port: int, state: str) -> set[int]:
    """Inodes of the IPv4 TCP sockets on 127.0.0.1:port in `state` (0A listen, 01 open)."""
    local = f"0100007F:{port:04X}"
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        if cols[1] == local and cols[3] == state:
            found.add(int(cols[9]))
    return found


def _held(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _listeners(server: subprocess.Popen[bytes], port: int) -> dict[int, set[int]]:
    """Each server process (child of the supervisor) and the listening sockets it holds."""
    listening = _sockets(port, "0A")
    return {child: _held(child) & listening for child in _children(server.pid)
            if _held(child) & listening}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    url = f"sqlite:///{tmp_path / 'sigap.db'}"
    migrate.upgrade(url)
    port = _free_port()
    env = {**os.environ, "SIGAP_DATABASE_URL": url, "SIGAP_SECRET_KEY": "x" * 32,
           "SIGAP_HUEY_PATH": str(tmp_path / "huey.db")}
    env.pop("SIGAP_REDIS_URL", None)
    proc = subprocess.Popen([str(BIN), "serve", "--no-worker", "--port", str(port),
                             "--workers", "2"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, proc, lambda: len(_listeners(proc, port)) == 2)
        yield proc, port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait(port: int, proc: subprocess.Popen[bytes], also: object = None,
          timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"sigap serve exited with {proc.returncode}"
        try:
            ok = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok and (also is None or also()):  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise AssertionError("the server processes did not come up")


def test_each_process_listens_on_its_own_socket_and_connections_reach_both(
        server: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = server
    listeners = _listeners(proc, port)
    assert len(listeners) == 2
    assert all(len(inodes) == 1 for inodes in listeners.values())
    assert len(set().union(*listeners.values())) == 2  # two sockets, not one shared
    # Connections opened at once, as a client with a keep-alive pool does.
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
    try:
        for sock in clients:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock in clients:
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        opened = _sockets(port, "01")
        served = {pid: len(_held(pid) & opened) for pid in listeners}
        # The kernel spreads them by address hash: both processes have some (all 64 in
        # one would happen once in 2**63).
        assert sum(served.values()) == 64 and min(served.values()) > 0, served
    finally:
        for sock in clients:
            sock.close()


def test_a_process_that_dies_is_replaced_and_a_stop_stops_them_all(
        server: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, port = server
    first = set(_listeners(proc, port))
    os.kill(min(first), signal.SIGKILL)
    _wait(port, proc, lambda: len(_listeners(proc, port)) == 2
          and set(_listeners(proc, port)) != first)
    assert len(set(_listeners(proc, port)) & first) == 1
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert not _sockets(port, "0A")


def test_a_taken_port_stops_the_start(tmp_path: Path) -> None:
    port = _free_port()
    with socket.socket() as taken:  # bound without SO_REUSEPORT: nobody may join it
        taken.bind(("127.0.0.1", port))
        taken.listen()
        env = {**os.environ, "SIGAP_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
               "SIGAP_SECRET_KEY": "x" * 32, "SIGAP_HUEY_PATH": str(tmp_path / "h.db")}
        done = subprocess.run([str(BIN), "serve", "--no-worker", "--port", str(port),
                               "--workers", "2"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 1
    assert b"failed to start" in done.stderr or b"cannot listen" in done.stderr
