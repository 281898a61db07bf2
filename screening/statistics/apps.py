from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "screening.statistics"
    label = "statistics"
    verbose_name = "Statistics: programme KPIs against the standards, the auditor's dashboards"

    def ready(self) -> None:
        # The KPI facts follow every change to episodes, in the change's transaction.
        from screening.campaigns.episode_signals import episodes_changed
        from screening.inference_jobs.result_signals import ai_result_stored
        from screening.outcomes.outcome_signals import outcomes_changed
        from screening.statistics.kpi_facts_services import (
            on_ai_result_stored,
            on_episodes_changed,
            on_outcomes_changed,
        )

        episodes_changed.connect(on_episodes_changed, dispatch_uid="statistics.kpi_facts")
        # ... and every change to their outcome records (the truth per episode).
        outcomes_changed.connect(on_outcomes_changed, dispatch_uid="statistics.outcome_facts")
        # ... and every AI result stored (the accuracy figures' scores).
        ai_result_stored.connect(on_ai_result_stored, dispatch_uid="statistics.ai_facts")
