from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "screening.core"
    label = "core"
    verbose_name = "Core: audit trail and roles"
