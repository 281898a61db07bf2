from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "screening.campaigns"
    label = "campaigns"
    verbose_name = "Programmes, campaigns and episodes"

    def ready(self) -> None:
        # A participant who opts out leaves the pathway: their open episodes, in the same transaction.
        from screening.campaigns.episode_services import on_patient_opted_out
        from screening.patients.consent_signals import patient_opted_out

        patient_opted_out.connect(on_patient_opted_out, dispatch_uid="campaigns.opt_out")
