"""Handling to a standard: SLA calendars and policies, hand-offs, the seven-step complaint
flow, service recovery with empowerment limits, automations and staff alerts."""

from .alerts import Alert
from .automation import AutomationRule, AutomationRun
from .complaint import Commitment, ComplaintStep, FollowUp, PlaybookStep, Resolution
from .handoff import Handoff
from .recovery import EmpowermentLimit, RecoveryAction
from .sla import BranchClosedDay, Calendar, SlaPolicy, TicketSla

__all__ = [
    "Alert", "AutomationRule", "AutomationRun", "BranchClosedDay", "Calendar", "Commitment",
    "ComplaintStep", "EmpowermentLimit", "FollowUp", "Handoff", "PlaybookStep", "RecoveryAction",
    "Resolution", "SlaPolicy", "TicketSla",
]
