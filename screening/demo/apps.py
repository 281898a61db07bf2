from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "screening.demo"
    label = "demo"
    verbose_name = "Demo data"
