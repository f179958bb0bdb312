"""WhatsApp out: the 24-hour rule and approved templates, then the Graph API call.

Inside 24 hours of the customer's last message any text may go; outside it only an
approved template (Meta's rule), and the agent is told why.
"""

from __future__ import annotations

import re

import httpx
from sqlalchemy.orm import Session

from sigap.channels import service
from sigap.channels.base import Endpoint, Outgoing, SendError
from sigap.channels.models import Conversation
from sigap.channels.whatsapp.models import WaTemplate
from sigap.core.errors import InvalidInput

OUTSIDE_WINDOW = ("Di luar jendela 24 jam sejak pesan terakhir pelanggan: WhatsApp hanya "
                  "mengizinkan templat yang sudah disetujui. Pilih templat.")
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


def compose(session: Session, conversation: Conversation, text: str,
            template_id: int | None, parameters: list[str]) -> Outgoing:
    if template_id is not None:
        template = session.get(WaTemplate, template_id)
        if template is None or not template.approved:
            raise InvalidInput("Templat tidak ada atau belum disetujui Meta.",
                               field="template_id")
        needed = len(set(_PLACEHOLDER.findall(template.body)))
        if len(parameters) != needed:
            raise InvalidInput(f"Templat {template.name} butuh {needed} parameter, "
                               f"diberikan {len(parameters)}.", field="parameters")
        shown = _PLACEHOLDER.sub(lambda m: parameters[int(m.group(1)) - 1], template.body)
        return Outgoing("template", shown, {"type": "template", "template": {
            "name": template.name, "language": {"code": template.language},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": v} for v in parameters]}] if parameters else []}})
    if not service.window_open(conversation):
        raise InvalidInput(OUTSIDE_WINDOW, field="template_id")
    return Outgoing("text", text, {"type": "text", "text": {"preview_url": False,
                                                            "body": text}})


def send(client: httpx.Client, endpoint: Endpoint, account: str, contact: str,
         payload: dict[str, object]) -> str:
    """POST /{phone_number_id}/messages; Meta's message id."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": contact,
            **payload}
    answer = client.post(f"{endpoint.base_url.rstrip('/')}/{account}/messages", json=body,
                         headers={"Authorization": f"Bearer {endpoint.token}"})
    if answer.status_code != 200:
        raise SendError(f"Graph menjawab {answer.status_code}: {answer.text[:300]}")
    messages = answer.json().get("messages") or [{}]
    return str(messages[0].get("id", ""))
