from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "screening.outbound"
    label = "outbound"
    verbose_name = "Results back to the hospital: SR and heat maps to the PACS, outbound jobs"
