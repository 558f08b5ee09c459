from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "kefu.workflow"
    label = "workflow"
