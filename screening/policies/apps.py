from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "screening.policies"
    label = "policies"
    verbose_name = "Reading policies on the programme's own history: what-if scenarios and applied thresholds"
