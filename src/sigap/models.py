"""Every table, imported once so metadata is complete for migrations and tests; and the
audit hook, so no session that writes these tables goes unaudited."""

import sigap.auth.audit  # noqa: F401  (installs the flush hook)
from sigap.auth.models import AuditLog, User
from sigap.channels.alarms.models import Alarm, AlarmRule
from sigap.channels.email.models import (
    AckLog,
    EmailAttachment,
    EmailMessage,
    EmailReference,
    LevelRoute,
    Mailbox,
    QuarantinedEmail,
    RelatedProduct,
    ReplyTemplate,
)
from sigap.channels.models import ChannelAccount, ChatMessage, Conversation, WebhookDelivery
from sigap.channels.voice.models import AcdInterval, CallEvent
from sigap.channels.whatsapp.models import WaTemplate
from sigap.customers.models import Customer, CustomerAccessGrant, CustomerContact, CustomerService
from sigap.db.base import Base
from sigap.org.models import Site, Staff, Team
from sigap.reports.models import KpiTicketFact, KpiVoiceFact, KpiWatermark
from sigap.reports.scheduled.models import ReportRun, ReportSchedule
from sigap.routing.models import (
    AgentSlot,
    AuxReason,
    ChannelCapacity,
    Offer,
    Presence,
    PresenceChange,
    Queue,
    QueueMember,
    SkillLevel,
    Surge,
    WorkItem,
)
from sigap.sla.models import CaringTask, SlaNotice, SlaPolicy
from sigap.surveys.models import CsatSurvey
from sigap.tickets.models import Interaction, Ticket, TicketCounter, TicketEvent
from sigap.workforce.models import (
    Attendance,
    Forecast,
    ForecastInterval,
    Leave,
    Preference,
    QueuePlan,
    Roster,
    RosterShift,
    ShiftTemplate,
    SpecialDay,
)

__all__ = [
    "AcdInterval",
    "AckLog",
    "AgentSlot",
    "Alarm",
    "AlarmRule",
    "Attendance",
    "AuditLog",
    "AuxReason",
    "Base",
    "CallEvent",
    "CaringTask",
    "ChannelAccount",
    "ChannelCapacity",
    "ChatMessage",
    "Conversation",
    "CsatSurvey",
    "Customer",
    "CustomerAccessGrant",
    "CustomerContact",
    "CustomerService",
    "EmailAttachment",
    "EmailMessage",
    "EmailReference",
    "Forecast",
    "ForecastInterval",
    "Interaction",
    "KpiTicketFact",
    "KpiVoiceFact",
    "KpiWatermark",
    "Leave",
    "LevelRoute",
    "Mailbox",
    "Offer",
    "Preference",
    "Presence",
    "PresenceChange",
    "QuarantinedEmail",
    "Queue",
    "QueueMember",
    "QueuePlan",
    "RelatedProduct",
    "ReplyTemplate",
    "ReportRun",
    "ReportSchedule",
    "Roster",
    "RosterShift",
    "ShiftTemplate",
    "Site",
    "SkillLevel",
    "SlaNotice",
    "SlaPolicy",
    "SpecialDay",
    "Staff",
    "Surge",
    "Team",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "User",
    "WaTemplate",
    "WebhookDelivery",
    "WorkItem",
]
