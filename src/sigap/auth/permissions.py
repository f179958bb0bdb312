"""What each role may do, and over what scope (D2, D7).

Scopes widen in this order: own < team < site < all. A permission a role lacks is refused
with 403; a record outside the role's scope is answered 404 so its existence is not leaked.
"""

from __future__ import annotations

from enum import IntEnum

from sigap.org.models import Role


class Scope(IntEnum):
    own = 1
    team = 2
    site = 3
    all = 4


PERMISSIONS: dict[str, str] = {
    "tickets.read": "read tickets, their timeline and interactions",
    "tickets.write": "open tickets, add updates and notes, change state",
    "tickets.escalate": "escalate a ticket one level up",
    "tickets.takeover": "take a ticket over (TL and above)",
    "tickets.assign": "assign a ticket to another person",
    "tickets.merge": "merge two tickets",
    "customers.read": "read customers and their personal data",
    "customers.write": "create and edit customers, services and contacts",
    "customers.import": "import customers from CSV or XLSX",
    "interactions.write": "record interactions",
    "org.read": "see sites, teams and staff",
    "org.write": "manage sites, teams and staff",
    "users.manage": "create logins, reset passwords, deactivate",
    "audit.read": "read the audit log",
    "email.manage": "configure mailboxes, templates, related products; see the quarantine",
    "email.templates": "write the reply templates and related-product lists of the email desk",
    "channels.templates": "maintain the approved WhatsApp message templates",
    "channels.cti": "send CTI call events (the PBX/ACD connector)",
    "channels.acd_import": "import ACD interval reports",
    "channels.alarms": "send monitoring alarms (Alertmanager, other monitors)",
    "channels.priority": "maintain the priority account list (W-19)",
    "channels.alarm_rules": "decide which alarms open their ticket at once or wait (D11)",
    "channels.accounts": "register WhatsApp numbers, Facebook pages, X accounts and their secrets",
    "sla.manage": "set the SLA policies",
    "email.inbound": "hand raw mail to Sigap (an MTA pipe with a bearer token)",
    "routing.manage": "set up queues, agents' skill levels and capacity per channel",
    "routing.floor": "see the wallboards and the live floor",
    "routing.move": "move agents between queues",
    "routing.overflow": "overflow waiting work to a backup queue; see surges",
    "wfm.read": "see forecasts, staffing, caplan, rosters, attendance and intraday",
    "wfm.plan": "run forecasts, set queue plans and special days, build and publish rosters",
    "wfm.review": "review the published N+1 roster against traffic (QIA)",
    "wfm.attendance": "correct check-in and check-out, with a reason",
    "wfm.self": "see one's own roster and check in and out",
    "reports.csat": "read CSAT survey results with the customers' comments",
    "reports.schedule": "manage the scheduled reports emailed to roles",
}

_TICKET_WORK = ("tickets.read", "tickets.write", "tickets.escalate", "interactions.write")
_TICKET_LEAD = (*_TICKET_WORK, "tickets.takeover", "tickets.assign", "tickets.merge")


def _grant(scope: Scope, *perms: str) -> dict[str, Scope]:
    return dict.fromkeys(perms, scope)


ROLE_GRANTS: dict[str, dict[str, Scope]] = {
    Role.agent: _grant(Scope.own, *_TICKET_WORK, "customers.read", "customers.write",
                       "wfm.self"),
    Role.team_leader: {
        **_grant(Scope.team, *_TICKET_LEAD, "customers.read", "customers.write", "org.read",
                 "routing.floor"),
        **_grant(Scope.own, "wfm.self"),
    },
    Role.supervisor: {
        **_grant(Scope.site, *_TICKET_LEAD, "customers.read", "customers.write", "org.read"),
        **_grant(Scope.site, "audit.read", "channels.priority", "channels.alarm_rules",
                 "routing.manage", "routing.floor", "routing.move", "routing.overflow",
                 "wfm.read", "reports.csat"),
    },
    Role.coordinator: _grant(Scope.all, *_TICKET_LEAD, "customers.read", "org.read", "audit.read",
                             "sla.manage", "channels.alarm_rules", "routing.manage",
                             "routing.floor", "routing.move", "routing.overflow", "wfm.read",
                             "reports.csat", "reports.schedule"),
    Role.manager: _grant(
        Scope.all, *_TICKET_LEAD, "customers.read", "customers.write", "org.read", "audit.read",
        "channels.priority", "channels.alarm_rules", "sla.manage", "routing.manage",
        "routing.floor", "routing.move", "routing.overflow", "wfm.read", "reports.csat",
        "reports.schedule",
    ),
    Role.qco: _grant(Scope.all, "tickets.read", "customers.read", "org.read"),
    Role.quality_assurance: _grant(Scope.all, "tickets.read", "customers.read", "org.read"),
    Role.supervisor_quality: _grant(Scope.all, "tickets.read", "customers.read", "org.read",
                                    "reports.csat"),
    Role.qc_tier2: _grant(Scope.all, "tickets.read", "customers.read", "org.read"),
    Role.hd_support: _grant(
        Scope.all, "tickets.read", "tickets.write", "interactions.write", "customers.read"
    ),
    Role.operation_plan: _grant(Scope.all, "org.read", "channels.acd_import", "routing.manage",
                                "routing.floor", "wfm.read", "wfm.plan"),
    Role.desk_control: _grant(Scope.site, "tickets.read", "org.read", "routing.floor",
                              "routing.move", "routing.overflow", "wfm.read",
                              "wfm.attendance"),
    Role.admin: _grant(
        Scope.all, "org.read", "org.write", "users.manage", "customers.read", "customers.write",
        "customers.import", "email.manage", "email.inbound", "email.templates",
        "channels.templates", "channels.cti", "channels.acd_import", "channels.alarms",
        "channels.accounts", "channels.alarm_rules", "routing.manage", "reports.schedule",
    ),
    Role.trainer: _grant(Scope.all, "org.read"),
    Role.knowledge_management: _grant(Scope.all, "org.read", "email.templates",
                                      "channels.templates"),
    Role.document_control: _grant(Scope.all, "org.read"),
    Role.qia: _grant(Scope.all, "tickets.read", "org.read", "audit.read", "routing.floor",
                     "routing.overflow", "wfm.read", "wfm.review"),
    Role.it: _grant(Scope.all, "org.read", "users.manage", "audit.read", "email.manage",
                    "email.inbound", "channels.cti", "channels.alarms", "channels.accounts"),
}


def scope_for(role: str, permission: str) -> Scope | None:
    """The scope a role holds a permission with, or None when it lacks it."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return ROLE_GRANTS.get(role, {}).get(permission)


def can(role: str, permission: str) -> bool:
    return scope_for(role, permission) is not None
