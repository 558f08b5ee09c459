from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "kefu.workflow"
    label = "workflow"

    def ready(self):
        from kefu.core.refcache import watch

        from .models import AutomationRule, BranchClosedDay, Calendar, SlaPolicy
        from .services import automation, sla

        watch(SlaPolicy, sla.POLICIES, sla.POLICY_NAMES)
        watch(Calendar, sla.CALENDARS)
        watch(BranchClosedDay, sla.CLOSED_DAYS)
        watch(AutomationRule, automation.RULES)
