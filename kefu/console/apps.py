from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "kefu.console"
    label = "console"
