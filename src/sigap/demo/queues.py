"""The demo's routing: one shared queue per Tier 1 channel, served by that desk's agents
at every site, watched for surges."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sigap.demo.people import DESKS, Org
from sigap.routing import queues

# channel: (service-level threshold in seconds, surge when this many wait, or this long)
TIER1 = {"voice": (20, 15, 120), "whatsapp": (60, 20, 300), "email": (3600, 200, 7200),
         "facebook": (900, 20, 1800), "x": (900, 20, 1800)}


def seed_queues(session: Session, org: Org) -> dict[str, int]:
    made = members = 0
    for desk in DESKS:
        if desk.tier != "tier1":
            continue
        agents = [a["id"] for a in org.agents_by_desk[desk.name]]
        for channel in desk.channels:
            sl, waiting, wait = TIER1[channel]
            queue = queues.save_queue(session, queues.QueueSpec(
                name=f"{desk.name} · {channel}", channel=channel, sl_seconds=sl,
                surge_waiting=waiting, surge_wait_seconds=wait,
                offer_seconds=20 if channel == "voice" else 30))
            queues.set_members(session, queue.id, agents)
            made += 1
            members += len(agents)
    return {"queues": made, "queue_members": members}
