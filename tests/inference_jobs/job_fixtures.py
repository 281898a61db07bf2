"""Matched studies for inference-job tests: participants with or without AI consent, MG and CT rows."""

from collections.abc import Iterable

from pydicom.uid import generate_uid

from screening.campaigns.models import Campaign, Episode, EpisodeStatus
from screening.core.actors import Actor
from screening.imaging.models import Instance, IntakeSource, Series, Study, StudyMatch
from screening.patients.consent_services import consent_grant, consent_withdraw
from screening.patients.models import ConsentMethod, ConsentScope, Patient
from tests.factories import CampaignFactory, EpisodeFactory, programme

MG_VIEWS = ("R-CC", "L-CC", "R-MLO", "L-MLO")
CONSENT_ACTOR = Actor.system("test-consent")


def ai_campaign(code: str = "breast", **fields: object) -> Campaign:
    return CampaignFactory(programme=programme(code), **{"ai_enabled": True, **fields})


def ai_consent_grant(patient: Patient) -> None:
    consent_grant(
        actor=CONSENT_ACTOR, patient=patient, scope=ConsentScope.AI_READING, method=ConsentMethod.WRITTEN
    )


def ai_consent_withdraw(patient: Patient) -> None:
    consent_withdraw(
        actor=CONSENT_ACTOR, patient=patient, scope=ConsentScope.AI_READING, method=ConsentMethod.VERBAL
    )


def imaged_episode(campaign: Campaign, *, ai_consent: bool = True) -> Episode:
    episode = EpisodeFactory(campaign=campaign, status=EpisodeStatus.IMAGED)
    if ai_consent:
        ai_consent_grant(episode.patient)
    return episode


def matched_study(episode: Episode, modality: str) -> tuple[Study, Series]:
    """An empty study of the modality, matched to the episode, with one series."""
    study = Study.objects.create(
        study_instance_uid=generate_uid(),
        patient=episode.patient,
        episode=episode,
        match_status=StudyMatch.MATCHED,
        modality=modality,
        first_source=IntakeSource.UPLOAD,
    )
    series = Series.objects.create(study=study, series_instance_uid=generate_uid(), modality=modality)
    return study, series


def _instance(series: Series, file_name: str, **fields: object) -> Instance:
    return Instance.objects.create(
        series=series,
        sop_instance_uid=generate_uid(),
        sop_class_uid="1.2.840.10008.5.1.4.1.1.1.2",
        transfer_syntax_uid="1.2.840.10008.1.2.1",
        rows=512,
        columns=416,
        file=file_name,
        size_bytes=1,
        sha256="0" * 64,
        source=IntakeSource.UPLOAD,
        **fields,
    )


def mg_study(episode: Episode, views: Iterable[str] = MG_VIEWS, files: dict[str, str] | None = None) -> Study:
    """A matched mammogram with the given views; files name stored DICOM files (default: placeholders)."""
    study, series = matched_study(episode, "MG")
    for number, view in enumerate(views, start=1):
        _instance(
            series,
            (files or {}).get(view, f"dicom/placeholder-{view}.dcm"),
            instance_number=number,
            laterality=view[0],
            view_position=view[2:],
        )
    return study


def ct_study(episode: Episode, locations: Iterable[float]) -> Study:
    study, series = matched_study(episode, "CT")
    for number, location in enumerate(locations, start=1):
        ct_slice(series, number, location)
    return study


def ct_slice(series: Series, number: int, location: float, **fields: object) -> Instance:
    """One CT slice of the series (``frames`` and the like in ``fields``)."""
    return _instance(
        series,
        f"dicom/placeholder-ct-{number}.dcm",
        instance_number=number,
        slice_location=location,
        **fields,
    )
