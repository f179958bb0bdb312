"""A small local server speaking the Graph API's media endpoints, recording the calls."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeGraph:
    """GET /{media_id} → {"url": …, "mime_type": …}; GET /files/{media_id} → the bytes;
    POST /{phone_number_id}/media (multipart) → a media id;
    POST /{phone_number_id or page_id}/messages and /{comment_id}/comments → a message id
    in the shape of the WhatsApp, Messenger or comments API (the body is kept in `sent`).
    `fail` makes the next n calls answer 500; a bearer token is required."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.media: dict[str, tuple[bytes, str]] = {}
        self.calls: list[str] = []
        self.sent: list[dict[str, Any]] = []
        self.uploads: list[bytes] = []
        self.fail = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                return None

            def do_GET(self) -> None:
                owner.calls.append(self.path)
                if not self._admitted():
                    return
                parts = self.path.strip("/").split("/")
                if len(parts) == 2 and parts[0] == "files" and parts[1] in owner.media:
                    data, kind = owner.media[parts[1]]
                    self._send(200, data, kind)
                elif len(parts) == 1 and parts[0] in owner.media:
                    _, kind = owner.media[parts[0]]
                    body = {"messaging_product": "whatsapp", "id": parts[0],
                            "url": f"{owner.base}/files/{parts[0]}", "mime_type": kind,
                            "sha256": "x", "file_size": len(owner.media[parts[0]][0])}
                    self._send(200, json.dumps(body).encode())
                else:
                    self._send(404, b'{"error": {"message": "Unsupported get request"}}')

            def do_POST(self) -> None:
                owner.calls.append(f"POST {self.path}")
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if not self._admitted():
                    return
                parts = self.path.strip("/").split("/")
                if len(parts) == 2 and parts[1] == "media":  # multipart upload
                    owner.uploads.append(raw)
                    self._send(200, json.dumps({"id": f"UP{len(owner.uploads)}"}).encode())
                    return
                body = json.loads(raw or b"{}")
                if len(parts) != 2 or parts[1] not in ("messages", "comments"):
                    self._send(404, b'{"error": {"message": "Unknown path"}}')
                    return
                owner.sent.append({"path": self.path, **body})
                n = len(owner.sent)
                answer: dict[str, Any]
                if parts[1] == "comments":  # a reply under a page comment
                    answer = {"id": f"{parts[0]}_reply{n}"}
                elif "recipient" in body:  # Messenger Send API
                    answer = {"recipient_id": body["recipient"].get("id"),
                              "message_id": f"m_out{n}"}
                else:  # WhatsApp Cloud API
                    answer = {"messaging_product": "whatsapp",
                              "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                              "messages": [{"id": f"wamid.SENT{n}"}]}
                self._send(200, json.dumps(answer).encode())

            def _admitted(self) -> bool:
                """The bearer token, then a failure the test asked for."""
                if self.headers.get("Authorization") != f"Bearer {owner.token}":
                    self._send(401, b'{"error": {"message": "Invalid OAuth access token"}}')
                    return False
                if owner.fail:
                    owner.fail -= 1
                    self._send(500, b'{"error": {"message": "Service unavailable"}}')
                    return False
                return True

            def _send(self, code: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
