"""Every route, for every role and for anonymous users: who gets in and who is refused.

A route added without a rule here fails `test_every_route_has_an_access_rule`, so nothing new
can slip in without someone deciding who may open it.
"""

from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from screening.campaigns.models import EpisodeStatus
from screening.core.actors import Actor
from screening.core.api_token_services import api_token_issue
from screening.core.roles import Role
from screening.imaging.models import Study, StudyMatch
from screening.inference_jobs.models import InferenceImageResult, InferenceJob, InferenceResult
from screening.patients.models import PatientImport
from screening.policies.policy_replay import Policy
from screening.policies.scenario_services import scenario_save
from tests.factories import CampaignFactory, EpisodeFactory, UserFactory
from tests.imaging.fixtures_pages import sample_dataset, store_instance, with_fresh_uids

ANON, COORD, RAD, AUD, ADMIN = "anonymous", "coordinator", "radiologist", "auditor", "admin"
ROLES = [ANON, COORD, RAD, AUD, ADMIN]
SIGNED_IN = {COORD, RAD, AUD, ADMIN}
PATIENT_READERS = {COORD, RAD, ADMIN}
PATIENT_WRITERS = {COORD, ADMIN}
AUDIT_READERS = {AUD, ADMIN}
CAMPAIGN_READERS = {COORD, RAD, AUD, ADMIN}
STATISTICS_READERS = {COORD, AUD, ADMIN}

# route name -> (method, roles allowed). Everyone else must be refused.
RULES: dict[str, tuple[str, set[str]]] = {
    "home": ("GET", SIGNED_IN),
    "login": ("GET", set(ROLES)),
    "logout": ("POST", SIGNED_IN),
    # Aggregates only: auditors and admins see every campaign, coordinators their own campaigns.
    "statistics": ("GET", STATISTICS_READERS),
    "statistics:chart_csv": ("GET", STATISTICS_READERS),
    "statistics-kpis": ("GET", STATISTICS_READERS),
    "statistics-kpi": ("GET", STATISTICS_READERS),
    "statistics-backlog": ("GET", STATISTICS_READERS),
    "statistics:outcomes": ("GET", STATISTICS_READERS),
    "statistics:accuracy": ("GET", STATISTICS_READERS),
    "statistics:readers": ("GET", STATISTICS_READERS),
    "statistics:page_chart_csv": ("GET", STATISTICS_READERS),
    "statistics-outcomes": ("GET", STATISTICS_READERS),
    "statistics-accuracy": ("GET", STATISTICS_READERS),
    "statistics-readers": ("GET", STATISTICS_READERS),
    "statistics:equity": ("GET", STATISTICS_READERS),
    "statistics:equity_csv": ("GET", STATISTICS_READERS),
    "statistics-equity": ("GET", STATISTICS_READERS),
    # The episodes behind a figure are patient data: coordinators (and admins), never auditors.
    "statistics:drilldown": ("GET", PATIENT_WRITERS),
    "policies:simulator": ("GET", STATISTICS_READERS),
    "policies:curve_csv": ("GET", STATISTICS_READERS),
    "policies:save": ("POST", PATIENT_WRITERS),
    "policies:scenario": ("GET", STATISTICS_READERS),
    "policies:apply": ("POST", {ADMIN}),
    "policies-simulate": ("GET", STATISTICS_READERS),
    "policies-scenarios": ("GET", STATISTICS_READERS),
    "policies-scenario-apply": ("POST", {ADMIN}),
    "core:audit_trail": ("GET", AUDIT_READERS),
    # AI monitoring: aggregates and alert rows for auditors and admins; closing an alert is the admin's.
    "monitoring:overview": ("GET", AUDIT_READERS),
    "monitoring:alert_acknowledge": ("POST", AUDIT_READERS),
    "monitoring:alert_close": ("POST", {ADMIN}),
    "monitoring-drift": ("GET", AUDIT_READERS),
    "monitoring-alert-list": ("GET", AUDIT_READERS),
    "monitoring-alert-detail": ("GET", AUDIT_READERS),
    "monitoring-alert-acknowledge": ("POST", AUDIT_READERS),
    "monitoring-alert-close": ("POST", {ADMIN}),
    # Everyone signed in sees (and ends) their own API tokens; admins everyone's.
    "core:api_tokens": ("GET", SIGNED_IN),
    "core:api_token_revoke": ("POST", {COORD, ADMIN}),  # the coordinator's token
    # User management is the administrator's alone.
    "core:users": ("GET", {ADMIN}),
    "core:user_create": ("GET", {ADMIN}),
    "core:user_detail": ("GET", {ADMIN}),
    "core:user_password": ("GET", {ADMIN}),
    "core:user_active": ("POST", {ADMIN}),
    "core:user_unlock": ("POST", {ADMIN}),
    "patients:list": ("GET", PATIENT_READERS),
    "patients:create": ("GET", PATIENT_WRITERS),
    "patients:detail": ("GET", PATIENT_READERS),
    "patients:edit": ("GET", PATIENT_WRITERS),
    "patients:consent_grant": ("POST", PATIENT_WRITERS),
    "patients:consent_withdraw": ("POST", PATIENT_WRITERS),
    "patients:opt_out": ("POST", PATIENT_WRITERS),
    "patients:import": ("GET", PATIENT_WRITERS),
    "patients:import_preview": ("GET", {COORD}),  # an import belongs to whoever uploaded it
    "patients:import_confirm": ("POST", {COORD}),
    "campaigns:list": ("GET", {COORD, RAD, ADMIN}),
    "campaigns:create": ("GET", PATIENT_WRITERS),
    "campaigns:detail": ("GET", {COORD, RAD, ADMIN}),
    "campaigns:status": ("POST", PATIENT_WRITERS),
    "campaigns:staff": ("POST", PATIENT_WRITERS),
    "campaigns:settings": ("GET", PATIENT_WRITERS),
    "campaigns:cohort": ("GET", PATIENT_WRITERS),
    "campaigns:episode": ("GET", PATIENT_READERS),
    "campaigns:episode_transition": ("POST", PATIENT_WRITERS),
    "api-schema": ("GET", SIGNED_IN),
    "api-docs": ("GET", SIGNED_IN),
    "api-token": ("POST", set(ROLES)),  # exchanging credentials for a token is public
    "patient-list": ("GET", PATIENT_READERS),
    "patient-detail": ("GET", PATIENT_READERS),
    "patient-opt-out": ("POST", PATIENT_WRITERS),
    "patient-consents": ("GET", PATIENT_READERS),
    "programme-list": ("GET", {COORD, RAD, ADMIN}),
    "programme-detail": ("GET", {COORD, RAD, ADMIN}),
    "campaign-list": ("GET", {COORD, RAD, ADMIN}),
    "campaign-detail": ("GET", {COORD, RAD, ADMIN}),
    "campaign-status": ("POST", PATIENT_WRITERS),
    "campaign-staff": ("POST", PATIENT_WRITERS),
    "campaign-eligible": ("GET", PATIENT_WRITERS),
    "campaign-invitations": ("POST", PATIENT_WRITERS),
    "episode-list": ("GET", PATIENT_READERS),
    "episode-detail": ("GET", PATIENT_READERS),
    "episode-transition": ("POST", PATIENT_WRITERS),
    "imaging:upload": ("GET", PATIENT_WRITERS),
    "imaging:study": ("GET", PATIENT_READERS),
    "imaging:frame_png": ("GET", PATIENT_READERS),
    "imaging:intake": ("GET", PATIENT_WRITERS),
    "imaging:reconciliation": ("GET", PATIENT_WRITERS),
    "imaging:reconciliation_study": ("GET", PATIENT_WRITERS),
    "imaging:reconciliation_attach": ("POST", PATIENT_WRITERS),
    "imaging:reconciliation_detach": ("POST", PATIENT_WRITERS),
    "imaging:reconciliation_reject": ("POST", PATIENT_WRITERS),
    "dicomweb:studies": ("GET", PATIENT_READERS),
    "dicomweb:study": ("GET", PATIENT_READERS),
    "dicomweb:series": ("GET", PATIENT_READERS),
    "dicomweb:instances": ("GET", PATIENT_READERS),
    "dicomweb:study-series": ("GET", PATIENT_READERS),
    "dicomweb:study-instances": ("GET", PATIENT_READERS),
    "dicomweb:series-instances": ("GET", PATIENT_READERS),
    "dicomweb:study-metadata": ("GET", PATIENT_READERS),
    "dicomweb:series-metadata": ("GET", PATIENT_READERS),
    "dicomweb:instance-metadata": ("GET", PATIENT_READERS),
    "dicomweb:series-retrieve": ("GET", PATIENT_READERS),
    "dicomweb:instance-retrieve": ("GET", PATIENT_READERS),
    "dicomweb:instance-rendered": ("GET", PATIENT_READERS),
    "dicomweb:frame-rendered": ("GET", PATIENT_READERS),
    "dicomweb:frames": ("GET", PATIENT_READERS),
    "imaging-upload-list": ("POST", PATIENT_WRITERS),
    "study-list": ("GET", PATIENT_READERS),
    "study-detail": ("GET", PATIENT_READERS),
    # FHIR: the capability statement is open; Patient the coordinators'; the rest as the API.
    "fhir:metadata": ("GET", set(ROLES)),
    "fhir:patient-search": ("GET", PATIENT_WRITERS),
    "fhir:patient": ("GET", PATIENT_WRITERS),
    "fhir:imagingstudy-search": ("GET", PATIENT_READERS),
    "fhir:imagingstudy": ("GET", PATIENT_READERS),
    "fhir:diagnosticreport-search": ("GET", PATIENT_READERS),
    "fhir:diagnosticreport": ("GET", PATIENT_READERS),
    "fhir:observation-search": ("GET", PATIENT_READERS),
    "fhir:observation": ("GET", PATIENT_READERS),
    # Reading routes are the radiologists' (the admin is no superuser: it holds its role's rights).
    "reading-worklist-list": ("GET", {RAD}),
    "reading-arbitration-list": ("GET", {RAD}),
    "read-slot-detail": ("GET", {RAD}),
    "read-slot-claim": ("POST", {RAD}),
    "read-slot-release": ("POST", {RAD}),
    "read-slot-skip": ("POST", {RAD}),
    "read-slot-sign": ("POST", {RAD}),
    "read-slot-amend": ("POST", {RAD}),
    "reading-report-detail": ("GET", PATIENT_READERS),  # identifiable: not for auditors
    "study-ai-result": ("GET", PATIENT_READERS),
    # Reading pages: readers work and sign; the report also opens to auditors, without identifiers.
    "reading:worklist": ("GET", {RAD}),
    "reading:arbitrations": ("GET", {RAD}),
    "reading:history": ("GET", {RAD}),
    "reading:next": ("GET", {RAD}),
    "reading:read": ("GET", {RAD}),
    "reading:sign": ("POST", {RAD}),
    "reading:amend": ("POST", {RAD}),
    "reading:release": ("POST", {RAD}),
    "reading:skip": ("POST", {RAD}),
    "reading:report": ("GET", {COORD, RAD, AUD, ADMIN}),
    "inference_jobs:console": ("GET", PATIENT_WRITERS),
    "inference_jobs:console_json": ("GET", PATIENT_WRITERS),
    "inference_jobs:job_retry": ("POST", PATIENT_WRITERS),
    "inference_jobs:job_cancel": ("POST", PATIENT_WRITERS),
    "inference_jobs:overlay_png": ("GET", PATIENT_READERS),
    # An inference worker's fetch of a job's image: the job's signed token only, never a session.
    "inference_jobs:worker_instance": ("GET", set()),
    # Research exports: coordinators and admins; the re-identification table is the admin's alone.
    "research:list": ("GET", PATIENT_WRITERS),
    "research:new": ("GET", PATIENT_WRITERS),
    "research:detail": ("GET", PATIENT_WRITERS),
    "research:progress": ("GET", PATIENT_WRITERS),
    "research:cancel": ("POST", PATIENT_WRITERS),
    "research:retry": ("POST", PATIENT_WRITERS),
    "research:download": ("GET", PATIENT_WRITERS),
    "research:reidentification": ("GET", {ADMIN}),
    "research-export-list": ("GET", PATIENT_WRITERS),
    "research-export-detail": ("GET", PATIENT_WRITERS),
    "research-export-cancel": ("POST", PATIENT_WRITERS),
    # The model comparison is aggregates (auditors, admins); changing a campaign's models is the admin's.
    "promotion:list": ("GET", AUDIT_READERS),
    "promotion:comparison": ("GET", AUDIT_READERS),
    "promotion:shadow": ("POST", {ADMIN}),
    "promotion:promote": ("POST", {ADMIN}),
    "promotion:roll_back": ("POST", {ADMIN}),
    "inference-job-list": ("GET", PATIENT_WRITERS),
    "inference-job-detail": ("GET", PATIENT_WRITERS),
    "inference-job-retry": ("POST", PATIENT_WRITERS),
    "inference-job-cancel": ("POST", PATIENT_WRITERS),
    # Outcomes: identifiable, so not for auditors; radiologists see those of their campaigns.
    "outcomes:episode": ("GET", PATIENT_READERS),
    "outcomes:assessment": ("POST", PATIENT_WRITERS),
    "outcomes:pathology": ("POST", PATIENT_WRITERS),
    "outcomes:withdraw": ("POST", PATIENT_WRITERS),
    "outcomes:import": ("GET", PATIENT_WRITERS),
    "outcomes:import_preview": ("GET", {COORD}),  # an import belongs to whoever uploaded it
    "outcomes:import_confirm": ("POST", {COORD}),
    "outcomes:diagnosis_search": ("GET", PATIENT_WRITERS),
    "outcomes:diagnosis": ("GET", PATIENT_WRITERS),
    "outcomes:unmatched": ("GET", PATIENT_WRITERS),
    "outcomes:unmatched_row": ("GET", PATIENT_WRITERS),
    "outcomes:unmatched_resolve": ("POST", PATIENT_WRITERS),
    "outcome-detail": ("GET", PATIENT_READERS),
    "outcome-assessment": ("POST", PATIENT_WRITERS),
    "outcome-pathology": ("POST", PATIENT_WRITERS),
    "diagnosis-list": ("POST", PATIENT_WRITERS),
    # Results to the PACS: coordinators watch and retry the sends; only admins configure destinations.
    "outbound:console": ("GET", PATIENT_WRITERS),
    "outbound:job_retry": ("POST", PATIENT_WRITERS),
    "outbound:destinations": ("GET", {ADMIN}),
    "outbound:destination_new": ("GET", {ADMIN}),
    "outbound:destination_edit": ("GET", {ADMIN}),
}


def _route_names(patterns, namespace: str = "") -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the Django admin: see test_only_admins_reach_the_admin_site
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            names.append(f"{namespace}{entry.name}" if entry.name else f"<unnamed {entry.pattern}>")
    return names


def test_every_route_has_an_access_rule():
    routes = set(_route_names(get_resolver().url_patterns))
    assert routes - set(RULES) == set(), "routes without an access rule in RULES"
    assert set(RULES) - routes == set(), "rules for routes that no longer exist"


@pytest.fixture
def world(db, media_in_tmp, settings, tmp_path):
    """One user per role; a campaign the radiologist is assigned to, with one imaged episode."""
    users = {role: UserFactory(username=role, role=Role(role)) for role in ROLES if role != ANON}
    campaign = CampaignFactory()
    campaign.assigned_staff.add(users[RAD])
    episode = EpisodeFactory(campaign=campaign, status=EpisodeStatus.INVITED)
    patient_import = PatientImport.objects.create(uploaded_by=users[COORD], content=b"identifier\n")
    instance = store_instance(with_fresh_uids(sample_dataset("CT_small.dcm")))
    Study.objects.filter(pk=instance.series.study_id).update(
        patient=episode.patient, episode=episode, match_status=StudyMatch.MATCHED
    )
    job, image_result = _inference_result(instance)
    read_slot_id, reported_episode_id = _reading_world(campaign)
    outcomes = _outcomes_world(campaign, users[COORD])
    research_export = _research_export(campaign, users[COORD], settings, tmp_path)
    outbound_job = _outbound_job(instance.series.study_id)
    token = api_token_issue(actor=Actor.for_user(users[COORD]), user=users[COORD]).token
    alert = _monitoring_alert()
    # A campaign the coordinator runs (their statistics' scope), with a saved what-if scenario.
    run_campaign = CampaignFactory(created_by=users[COORD])
    scenario = scenario_save(actor=Actor.for_user(users[ADMIN]), campaign=run_campaign, policy=Policy())
    return {
        "users": users,
        "kwargs": {
            "patient_id": episode.patient_id,
            "campaign_id": campaign.pk,
            "episode_id": episode.pk,
            "import_id": patient_import.pk,
            "study_id": instance.series.study_id,
            "instance_id": instance.pk,
            "job_id": job.pk,
            "image_result_id": image_result.pk,
            "unmatched_id": outcomes["unmatched_id"],
        },
        "dicomweb_kwargs": _dicomweb_kwargs(instance),
        # Reading pages open a read slot, and the report an episode whose reads decided it.
        "route_kwargs": {
            **{
                f"reading:{name}": {"slot_id": read_slot_id}
                for name in ("read", "sign", "amend", "release", "skip")
            },
            "reading:report": {"episode_id": reported_episode_id},
            "core:api_token_revoke": {"token_id": token.pk},
            "inference_jobs:worker_instance": {"job_id": job.pk, "instance_id": instance.pk},
            **{
                f"core:{name}": {"user_id": users[COORD].pk}
                for name in ("user_detail", "user_password", "user_active", "user_unlock")
            },
            **outcomes["route_kwargs"],
            **_fhir_route_kwargs(users[RAD], episode.patient_id, instance.series.study_id),
            **{
                name: {"job_id": research_export}
                for name in RULES
                if name.startswith("research:") and name not in ("research:list", "research:new")
            },
            "statistics:chart_csv": {"chart": "funnel"},
            "statistics:page_chart_csv": {"page": "accuracy", "chart": "roc"},
            "statistics:drilldown": {"figure": "false_positive"},
            "statistics-kpi": {"measure": "recall_rate"},
            **{
                name: {"alert_id": alert}
                for name in ("monitoring:alert_acknowledge", "monitoring:alert_close")
            },
            **{
                name: {"pk": alert}
                for name in (
                    "monitoring-alert-detail",
                    "monitoring-alert-acknowledge",
                    "monitoring-alert-close",
                )
            },
            "outbound:job_retry": {"job_id": outbound_job.pk},
            "outbound:destination_edit": {"destination_id": outbound_job.destination_id},
            "policies:scenario": {"scenario_id": scenario.pk},
            "policies:apply": {"scenario_id": scenario.pk},
            "policies-scenario-apply": {"scenario_id": scenario.pk},
        },
        "pk_by_basename": {
            "patient": episode.patient_id,
            "campaign": campaign.pk,
            "episode": episode.pk,
            "programme": campaign.programme_id,
            "study": instance.series.study_id,
            "inference": job.pk,
            "read": read_slot_id,
            "reading": reported_episode_id,
            "outcome": episode.pk,
            "research": research_export,
        },
    }


def _monitoring_alert() -> int:
    """A raised monitoring alert (a refused POST leaves it raised for the next role)."""
    from datetime import date

    from screening.monitoring.models import AlertKind, MonitoringAlert

    now = timezone.now()
    return MonitoringAlert.objects.create(
        kind=AlertKind.INPUT_NEW_VALUE,
        site="Leeds",
        subject="manufacturer=FUJIFILM",
        week=date(2026, 1, 5),
        last_week=date(2026, 1, 5),
        value=0.5,
        limit=0.0,
        sample_size=30,
        raised_at=now,
        last_seen_at=now,
    ).pk


def _reading_world(campaign):
    """An imaged episode with its reads open, and an episode whose reads decided its result."""
    from screening.reading.models import EpisodeReadDecision
    from screening.reading.slot_services import read_slots_open

    studies = []
    for status in (EpisodeStatus.IMAGED, EpisodeStatus.RESULT_ISSUED):
        episode = EpisodeFactory(campaign=campaign, status=status, imaged_at=timezone.now())
        studies.append(
            Study.objects.create(
                study_instance_uid=f"1.2.826.0.1.3680043.10.77.{episode.pk}",
                patient=episode.patient,
                episode=episode,
                match_status=StudyMatch.MATCHED,
                first_source="upload",
            )
        )
    (slot, *_) = read_slots_open(actor=Actor.system("test"), study=studies[0])
    reported = studies[1]
    EpisodeReadDecision.objects.create(
        episode=reported.episode, study=reported, result="routine", basis="single", decided_at=timezone.now()
    )
    return slot.pk, reported.episode_id


def _fhir_route_kwargs(radiologist, patient_id: int, study_id: int) -> dict[str, dict[str, str]]:
    """A signed single read in a campaign of the radiologist: its report and observation."""
    from screening.campaigns.models import ReadingPolicy
    from tests.fhir.conftest import signed_study

    campaign = CampaignFactory(reading_policy=ReadingPolicy.SINGLE)
    campaign.assigned_staff.add(radiologist)
    study, opinion = signed_study(campaign, Actor.for_user(radiologist))
    return {
        "fhir:patient": {"resource": str(patient_id)},
        "fhir:imagingstudy": {"resource": str(study_id)},
        "fhir:diagnosticreport": {"resource": str(study.episode_id)},
        "fhir:observation": {"resource": f"read-{opinion.pk}"},
    }


def _outcomes_world(campaign, coordinator):
    """A recalled episode with an assessment to withdraw, a registry import and an unmatched row."""
    from screening.outcomes.models import RegistryImport, UnmatchedDiagnosis
    from screening.outcomes.outcome_services import assessment_record

    recalled = EpisodeFactory(
        campaign=campaign, status=EpisodeStatus.RESULT_ISSUED, result="recall", imaged_at=timezone.now()
    )
    actor = Actor.for_user(coordinator)
    assessment = assessment_record(actor=actor, episode=recalled, outcome="did_not_attend")
    registry_import = RegistryImport.objects.create(uploaded_by=coordinator, content=b"identifier\n")
    unmatched = UnmatchedDiagnosis.objects.create(
        registry_import=registry_import,
        row_number=2,
        identifier="9434765919",
        issuer="NHS",
        diagnosed_on=timezone.localdate(),
        kind="invasive",
        reporting_source="Registry",
        fingerprint="0" * 64,
    )
    withdraw = {"episode_id": recalled.pk, "record_type": "assessment", "record_id": assessment.pk}
    return {
        "unmatched_id": unmatched.pk,
        "route_kwargs": {
            "outcomes:withdraw": withdraw,
            "outcomes:import_preview": {"import_id": registry_import.pk},
            "outcomes:import_confirm": {"import_id": registry_import.pk},
        },
    }


def _outbound_job(study_id: int):
    """A dead send of the sample study to a destination."""
    from screening.outbound.models import OutboundDestination, OutboundJob

    destination = OutboundDestination.objects.create(name="PACS", ae_title="PACS", host="127.0.0.1", port=104)
    return OutboundJob.objects.create(
        destination=destination,
        study_id=study_id,
        event="ai_result_stored",
        payload="ai_result",
        source_id=1,
        status="dead",
        next_attempt_at=timezone.now(),
    )


def _research_export(campaign, coordinator, settings, tmp_path) -> int:
    """A finished export of the coordinator with its package on disk (downloadable)."""
    from screening.research.models import ExportJob, ExportStatus

    settings.RESEARCH_EXPORT_ROOT = tmp_path / "exports"
    settings.RESEARCH_EXPORT_ROOT.mkdir()
    (settings.RESEARCH_EXPORT_ROOT / "research-export-matrix.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    job = ExportJob.objects.create(
        requested_by=coordinator,
        programme=campaign.programme,
        purpose="Validation",
        approval_reference="REC 1",
        status=ExportStatus.SUCCEEDED,
        package_name="research-export-matrix.zip",
        started_at=timezone.now(),
        finished_at=timezone.now(),
    )
    return job.pk


def _inference_result(instance):
    """A finished AI job of the sample study, with one image's heat map stored."""
    job = InferenceJob.objects.create(
        study_id=instance.series.study_id, model_name="m", model_version="1", queued_at=timezone.now()
    )
    result = InferenceResult.objects.create(
        job=job,
        study_id=job.study_id,
        model_name="m",
        model_version="1",
        study_score=0.2,
        band="intermediate",
        high_threshold=0.5,
        low_threshold=0.1,
    )
    png = BytesIO()
    Image.new("L", (8, 8), 200).save(png, format="PNG")
    name = default_storage.save("inference/heatmaps/sample.png", ContentFile(png.getvalue()))
    image_result = InferenceImageResult.objects.create(
        result=result, instance=instance, score=0.2, heatmap=name
    )
    return job, image_result


def _dicomweb_kwargs(instance) -> list[dict[str, object]]:
    """UIDs for the DICOMweb routes, most specific first."""
    study_uid = instance.series.study.study_instance_uid
    series_uid = instance.series.series_instance_uid
    levels = [
        {"study": study_uid, "series": series_uid, "sop": instance.sop_instance_uid, "frame": 1},
        {"study": study_uid, "series": series_uid, "sop": instance.sop_instance_uid, "frames": "1"},
        {"study": study_uid, "series": series_uid, "sop": instance.sop_instance_uid},
        {"study": study_uid, "series": series_uid},
        {"study": study_uid},
    ]
    return levels


def _url(name: str, world) -> str:
    """Reverse a route with whichever sample object its pattern takes."""
    if name in world.get("route_kwargs", {}):
        return reverse(name, kwargs=world["route_kwargs"][name])
    candidates = [{}] + [{key: value} for key, value in world["kwargs"].items()]
    candidates.append({"instance_id": world["kwargs"]["instance_id"], "frame": 0})
    candidates += world["dicomweb_kwargs"]
    candidates.append({"pk": world["pk_by_basename"].get(name.split("-")[0], 0)})
    for kwargs in candidates:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    raise AssertionError(f"no sample arguments fit route {name}")


def _is_refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    # Sent to log in first (with ?next=); a plain redirect to the log-in page is a log-out.
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/login/" in location and "next=" in location


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(RULES))
def test_route_allows_exactly_its_roles(route, role, world):
    method, allowed = RULES[route]
    client = Client()
    if role != ANON:
        client.force_login(world["users"][role])
    url = _url(route, world)
    response = client.post(url, {}) if method == "POST" else client.get(url)
    assert response.status_code != 405, f"{route} does not answer {method}"
    if role in allowed:
        assert not _is_refused(response), f"{role} was refused {route}: {response.status_code}"
        assert response.status_code < 500
    else:
        assert _is_refused(response), f"{role} reached {route}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/admin/", "/admin/campaigns/campaign/", "/admin/core/auditevent/"])
def test_only_admins_reach_the_admin_site(path, role, world):
    client = Client()
    if role != ANON:
        client.force_login(world["users"][role])
    response = client.get(path)
    if role == ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response.headers["Location"]
