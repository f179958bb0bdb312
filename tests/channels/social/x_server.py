"""A small local server speaking X API v2 for tweets and direct messages, recording them."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeX:
    def __init__(self, token: str) -> None:
        self.token = token
        self.sent: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.headers.get("Authorization") != f"Bearer {owner.token}":
                    self._send(401, {"title": "Unauthorized", "status": 401})
                    return
                owner.sent.append({"path": self.path, **body})
                n = len(owner.sent)
                if self.path == "/2/tweets":
                    self._send(201, {"data": {"id": f"15{n:03d}", "text": body.get("text")}})
                elif self.path.startswith("/2/dm_conversations/with/"):
                    self._send(201, {"data": {"dm_conversation_id": "111-222",
                                              "dm_event_id": f"dme{n}"}})
                else:
                    self._send(404, {"title": "Not Found Error", "status": 404})

            def _send(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
