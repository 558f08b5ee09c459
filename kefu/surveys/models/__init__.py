"""Survey data: instruments and their versions and questions; distribution (waves, the CSAT
policy, invitations); responses, answers and the rollups the dashboards read; events."""

from .distribution import CsatPolicy, Invitation, Wave
from .events import SurveyEvent
from .instruments import Instrument, InstrumentVersion, Question
from .recovery import RecoveryLink, RecoveryPolicy
from .responses import Answer, Response, Rollup, RollupTotal

__all__ = ["Answer", "CsatPolicy", "Instrument", "InstrumentVersion", "Invitation", "Question",
           "RecoveryLink", "RecoveryPolicy", "Response", "Rollup", "RollupTotal",
           "SurveyEvent", "Wave"]
