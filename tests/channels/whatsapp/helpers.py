"""Building and signing WhatsApp Cloud API webhook deliveries for the tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
URL = "/api/channels/whatsapp/webhook"


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def delivery(messages: list[dict[str, Any]], statuses: list[dict[str, Any]] | None = None,
             wa_id: str = "6281234567890", name: str = "Budi") -> bytes:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "628111147147", "phone_number_id": "PN1"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": messages}
    if statuses:
        value["statuses"] = statuses
    return json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": "WABA1", "changes": [{"field": "messages", "value": value}]}]}).encode()


def msg(mid: str, kind: str = "text", sender: str = "6281234567890", at: int | None = None,
        **part: Any) -> dict[str, Any]:
    """A message sent `at` (epoch seconds; now by default, so the 24-hour window is open)."""
    sent = int(time.time()) if at is None else at
    body: dict[str, Any] = {"from": sender, "id": mid, "timestamp": str(sent), "type": kind}
    body[kind] = part or {"body": f"pesan {mid}"}
    return body
