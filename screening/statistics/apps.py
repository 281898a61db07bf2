from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "screening.statistics"
    label = "statistics"
    verbose_name = "Statistics: programme KPIs against the standards, the auditor's dashboards"
