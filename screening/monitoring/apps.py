from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "screening.monitoring"
    label = "monitoring"
    verbose_name = "AI monitoring after go-live: score and input drift, outcome CUSUM, alerts"
