from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "screening.campaigns"
    label = "campaigns"
    verbose_name = "Programmes, campaigns and episodes"
