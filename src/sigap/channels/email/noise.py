"""Mail that must open no ticket and get no automatic answer: loops and noise."""

from __future__ import annotations

from collections.abc import Collection

from sigap.channels.email.parser import ParsedEmail

_BULK = {"bulk", "junk", "list"}
_DAEMONS = ("mailer-daemon@", "postmaster@", "mail-daemon@")


def noise_reason(mail: ParsedEmail, own_addresses: Collection[str]) -> str | None:
    """None for a customer's mail, else why it is noise (a short code)."""
    if mail.auto_submitted and mail.auto_submitted != "no":
        return "auto-submitted"
    if mail.x_auto_response_suppress.strip():
        return "auto-response-suppress"
    if mail.precedence in _BULK:
        return "precedence"
    if mail.list_id.strip():
        return "list"
    if (mail.content_type == "multipart/report" and mail.report_type == "delivery-status") \
            or mail.return_path == "<>" or mail.from_address.startswith(_DAEMONS):
        return "bounce"
    own = {a.lower() for a in own_addresses}
    if mail.from_address and mail.from_address.lower() in own:
        return "own-address"
    return None
