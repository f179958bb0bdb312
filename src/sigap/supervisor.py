"""Several server processes on one port, each listening on a socket of its own.

Uvicorn's own supervisor binds one socket and shares it: every process waits on the same
accept queue, and the first to wake takes every connection waiting there. A client that
opens its keep-alive connections at once (an integration, a load balancer, the ticket
benchmark's eight) then often has all of them in one process while the other idles:
measured in one run of two to four, with the throughput halved (docs/benchmarks.md). Here
each process binds its own socket with SO_REUSEPORT and the kernel spreads new
connections over them by their addresses. A process that dies is started again; one that
fails at start-up (the port taken, a bad setting), or a crash loop, stops them all.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

log = logging.getLogger("sigap.supervisor")

STARTUP_FAILURE = 3  # uvicorn's exit code for a server that could not start
RESTARTS = 5  # at most this many restarts in RESTART_WINDOW, else a crash loop: stop
RESTART_WINDOW = 60.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve(options: dict[str, Any]) -> None:
    """One server process: its own socket, then uvicorn until told to stop."""
    import uvicorn

    config = uvicorn.Config(**options)
    try:
        sock = listening_socket(config.host, config.port)
    except OSError as exc:
        logging.getLogger("uvicorn.error").error("cannot listen on %s:%s: %s", config.host,
                                                 config.port, exc)
        raise SystemExit(STARTUP_FAILURE) from exc
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


class Supervisor:
    """Runs `workers` server processes until SIGINT or SIGTERM."""

    def __init__(self, options: dict[str, Any], workers: int) -> None:
        self.options = options
        self.workers = workers
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess] = []
        self.restarts: list[float] = []
        self.stopping = False

    def _start(self) -> BaseProcess:
        process = self.context.Process(target=_serve, args=(self.options,), daemon=False)
        process.start()
        return process

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        """0 after a clean stop; 1 when a process failed to start."""
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGINT, signal.SIGTERM)}
        failed = False
        try:
            self.processes = [self._start() for _ in range(self.workers)]
            while not self.stopping:
                time.sleep(0.2)
                for n, process in enumerate(self.processes):
                    if process.is_alive() or self.stopping:
                        continue
                    now = time.monotonic()
                    self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW]
                    if process.exitcode == STARTUP_FAILURE or len(self.restarts) >= RESTARTS:
                        log.error("server process %s failed to start (exit %s); stopping",
                                  process.pid, process.exitcode)
                        failed = self.stopping = True
                        break
                    log.warning("server process %s exited (%s); starting another",
                                process.pid, process.exitcode)
                    self.restarts.append(now)
                    self.processes[n] = self._start()
        finally:
            self._shutdown()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 1 if failed else 0

    def _shutdown(self) -> None:
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                # uvicorn finishes the requests in flight on SIGTERM
                process.terminate()
        deadline = time.monotonic() + 20
        for process in self.processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)
