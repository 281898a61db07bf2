"""A small programme with something on every main page, for the page-wide browser checks.

One user per role; a double-read breast campaign with a real (synthetic) four-view mammogram
waiting for the radiologist, a disagreement waiting for the arbitrator, an episode whose result
is issued (its report), a patient import to preview, an image awaiting reconciliation and an AI
job on the console. `PAGES` lists the pages each role works in: add a row for a new page.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pydicom
from django.utils import timezone

from screening.campaigns.models import EpisodeResult, EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.core.api_token_services import api_token_issue, api_token_revoke
from screening.core.roles import Role
from screening.imaging.models import Study
from screening.inference_jobs.models import InferenceJob
from screening.patients.models import Patient, PatientImport
from screening.policies.policy_replay import Policy
from screening.policies.scenario_services import scenario_save
from screening.reading.models import ReadRole, ReadSlot
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, UserFactory, programme
from tests.imaging.fixtures_pages import sample_dataset, store_instance, with_fresh_uids
from tests.promotion.comparison_world import recalibrated_rows, shipped_shadow_campaign
from tests.reading.conftest import breast_opinion, imaged_study, sign_read

COORDINATOR, RADIOLOGIST, ARBITRATOR, AUDITOR, ADMIN = (
    "coordinator",
    "radiologist",
    "arbitrator",
    "auditor",
    "admin",
)
IMPORT_CSV = (
    "identifier,issuer,family_name,given_name,date_of_birth,sex,email,phone,address,postcode,"
    "consent_screening,consent_ai_reading,consent_research\n"
    "9434765919,NHS,Featherstonehaugh-Winterbottom,Anne-Marie Josephine,1961-04-23,F,"
    "anne-marie.featherstonehaugh-winterbottom@example.org,+44 113 496 0000,"
    "Flat 12 The Old Infirmary Buildings Great George Street Leeds,LS1 3EX,yes,yes,no\n"
    "123,NHS,Smith,Jo,1961-13-40,X,,,,,,maybe,\n"
)


REGISTRY_CSV = (
    "identifier,diagnosis_date,laterality,pathology,size_mm,source\n"
    "{identifier},{today},L,invasive,18,Northern and Yorkshire Cancer Registry and Information Service\n"
    "9434765919,{today},R,dcis,,Northern and Yorkshire Cancer Registry and Information Service\n"
)


@dataclass
class PageWorld:
    """Ids the page lists are built from."""

    ids: dict[str, int] = field(default_factory=dict)


def mammogram_study(campaign, tmp_path: Path, *, seed: int = 3) -> Study:
    """An imaged episode of the campaign, its reads open, with four synthetic views stored."""
    from inference.synthetic.cohort import cohort_plan, write_study

    planned = cohort_plan("breast", 1, seed=seed, prevalence=1.0)[0]
    study = imaged_study(campaign, days_waiting=0)
    series = None
    for path in write_study(planned, tmp_path / f"mammogram-{seed}"):
        dataset = pydicom.dcmread(path)
        instance = store_instance(
            dataset,
            study=study,
            series=series,
            modality="MG",
            laterality=str(dataset.ImageLaterality),
            view_position=str(dataset.ViewPosition),
            instance_number=int(dataset.InstanceNumber),
        )
        series = instance.series
    return study


def page_world_build(tmp_path: Path) -> PageWorld:
    """Users per role and one of everything the main pages show."""
    users = {
        name: UserFactory(username=name, role=role)
        for name, role in (
            (COORDINATOR, Role.COORDINATOR),
            (RADIOLOGIST, Role.RADIOLOGIST),
            (ARBITRATOR, Role.RADIOLOGIST),
            ("second_reader", Role.RADIOLOGIST),
            (AUDITOR, Role.AUDITOR),
            (ADMIN, Role.ADMIN),
        )
    }
    campaign = CampaignFactory(
        programme=programme("breast"),
        name="Breast screening 2026, Leeds",
        reading_policy=ReadingPolicy.DOUBLE_BLIND,
    )
    campaign.assigned_staff.add(users[RADIOLOGIST], users[ARBITRATOR], users["second_reader"])
    readers = {name: Actor.for_user(users[name]) for name in (RADIOLOGIST, ARBITRATOR, "second_reader")}

    reported = imaged_study(campaign, days_waiting=3)
    for role, name in ((ReadRole.FIRST, RADIOLOGIST), (ReadRole.SECOND, "second_reader")):
        slot = ReadSlot.objects.get(study=reported, role=role)
        sign_read(readers[name], slot, breast_opinion())
    disputed = imaged_study(campaign, days_waiting=2)
    sign_read(
        readers[RADIOLOGIST],
        ReadSlot.objects.get(study=disputed, role=ReadRole.FIRST),
        breast_opinion(right="4", comment="Mass, right upper outer quadrant"),
    )
    sign_read(
        readers["second_reader"], ReadSlot.objects.get(study=disputed, role=ReadRole.SECOND), breast_opinion()
    )
    mammogram = mammogram_study(campaign, tmp_path)
    # A campaign nobody reads for: the coordinator's home page warns of its imaged study.
    unread = CampaignFactory(programme=programme("lung"), name="Lung screening 2026, Bradford")
    EpisodeFactory(campaign=unread, status=EpisodeStatus.IMAGED, imaged_at=timezone.now())

    unmatched = store_instance(with_fresh_uids(sample_dataset("CT_small.dcm")))
    # A participant the reconciliation search finds, whose details differ from the images'.
    EpisodeFactory(
        patient=PatientFactory(family_name="Quarrington", given_name="Jane"),
        campaign=CampaignFactory(programme=programme("lung"), name="Lung screening 2026, Leeds"),
        status=EpisodeStatus.ATTENDED,
    )
    job = InferenceJob.objects.create(
        study=mammogram, model_name="breast-demo", model_version="2.0.0", queued_at=timezone.now()
    )
    patient_import = PatientImport.objects.create(uploaded_by=users[COORDINATOR], content=IMPORT_CSV.encode())
    outcome_ids = _outcomes_world(campaign, users[COORDINATOR], patient_id=mammogram.patient_id)
    research_export, research_participant = _research_export(campaign, users[COORDINATOR])
    promotion = shipped_shadow_campaign(recalibrated_rows(), name="Breast screening 2026, York")
    _monitoring_world()
    outbound_destination = _outbound_world(mammogram)
    for name in (COORDINATOR, RADIOLOGIST, AUDITOR):  # a live token and a revoked one each
        api_token_issue(actor=Actor.for_user(users[name]), user=users[name])
        ended = api_token_issue(actor=Actor.for_user(users[name]), user=users[name]).token
        api_token_revoke(actor=Actor.for_user(users[name]), token=ended)
    scenario = scenario_save(
        actor=Actor.for_user(users[ADMIN]),
        campaign=campaign,
        policy=Policy(base="ai_second_reader", ai_threshold=0.4),
        note="Fewer second reads",
    )
    return PageWorld(
        ids={
            "scenario": scenario.pk,
            "campaign": campaign.pk,
            "episode": mammogram.episode_id,
            "patient": mammogram.patient_id,
            "study": mammogram.pk,
            "read": ReadSlot.objects.get(study=mammogram, role=ReadRole.FIRST).pk,
            "arbitration": ReadSlot.objects.get(study=disputed, role=ReadRole.ARBITRATION).pk,
            "report": reported.episode_id,
            "import": patient_import.pk,
            "unmatched": unmatched.series.study_id,
            "job": job.pk,
            "user": users[COORDINATOR].pk,
            "research_export": research_export,
            "research_participant": research_participant,
            "promotion_campaign": promotion.pk,
            "outbound_destination": outbound_destination,
            **outcome_ids,
        }
    )


def _monitoring_world() -> None:
    """Three weeks of AI results, a new scanner maker in the last: an event on the timeline."""
    from screening.monitoring.alert_services import monitoring_evaluate
    from tests.monitoring.monitoring_world import SHIFTED_SCANNERS, WeekPlan, history_write

    history_write(
        [WeekPlan(results=110), WeekPlan(results=110), WeekPlan(results=30, scanners=SHIFTED_SCANNERS)],
        seed=1,
    )
    monitoring_evaluate(actor=Actor.system("page_world"))


def _outbound_world(study) -> int:
    """A PACS destination with a dead send (its retry button) and a sent one on the console."""
    from screening.outbound.models import OutboundDestination, OutboundJob

    destination = OutboundDestination.objects.create(
        name="Leeds PACS", ae_title="LEEDSPACS", host="pacs.example.org", port=104
    )
    for source, status in ((1, "dead"), (2, "sent")):
        OutboundJob.objects.create(
            destination=destination,
            study=study,
            event="ai_result_stored",
            payload="ai_result",
            source_id=source,
            status=status,
            attempts=5,
            error="ConnectionRefusedError" if status == "dead" else "",
            next_attempt_at=timezone.now(),
            sent_at=timezone.now() if status == "sent" else None,
        )
    return destination.pk


def _outcomes_world(campaign, coordinator, *, patient_id: int) -> dict[str, int]:
    """A recalled episode with its assessment and pathology, a registry import to preview (one row
    of each kind) and a row waiting in the unmatched queue."""
    from screening.outcomes.outcome_services import assessment_record, pathology_record
    from screening.outcomes.registry_import_services import registry_import_commit, registry_import_preview

    actor = Actor.for_user(coordinator)
    recalled = EpisodeFactory(
        campaign=campaign,
        status=EpisodeStatus.RESULT_ISSUED,
        result=EpisodeResult.RECALL,
        imaged_at=timezone.now(),
    )
    assessment_record(actor=actor, episode=recalled, outcome="biopsy_taken", attended_on=timezone.localdate())
    pathology_record(actor=actor, episode=recalled, side="R", kind="invasive", invasive_size_mm=14, grade=2)
    today = timezone.localdate()
    queued = registry_import_preview(
        actor=actor,
        uploaded=REGISTRY_CSV.format(identifier="9434765919", today=today).encode(),
        filename="q.csv",
    )
    registry_import_commit(actor=actor, registry_import=queued)
    identifier = Patient.objects.get(pk=patient_id).identifier
    preview = registry_import_preview(
        actor=actor,
        uploaded=REGISTRY_CSV.format(identifier=identifier, today=today).encode(),
        filename="r.csv",
    )
    return {
        "outcome": recalled.pk,
        "registry_import": preview.pk,
        "unmatched": queued.unmatched.order_by("id").first().pk,
    }


def _research_export(campaign, coordinator) -> tuple[int, int]:
    """A finished research export whose package held a participant who has since withdrawn
    research consent (the page's warning), with its re-identification row."""
    from screening.patients.consent_services import consent_grant, consent_withdraw
    from screening.patients.models import ConsentMethod, ConsentScope
    from screening.research.models import ExportJob, ExportMember, ExportStatus, ReidentificationEntry

    actor = Actor.for_user(coordinator)
    job = ExportJob.objects.create(
        requested_by=coordinator,
        programme=campaign.programme,
        campaign=campaign,
        purpose="Validation of the breast AI model on the 2026 round",
        approval_reference="REC 24/NE/0042",
        status=ExportStatus.SUCCEEDED,
        progress_done=4,
        progress_total=4,
        participants_included=1,
        studies_included=1,
        files_included=4,
        excluded={"no_research_consent": 3, "withdrawn": 1},
        files_withheld={"BurnedInAnnotation is YES": 1},
        profile_edition="2025b",
        package_name="research-export-page-world.zip",
        package_bytes=123456,
        package_sha256="0" * 64,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=30),
    )
    patient = PatientFactory(family_name="Withdrew", given_name="Research")
    ExportMember.objects.create(job=job, patient=patient, studies=1)
    ReidentificationEntry.objects.create(
        job=job,
        patient=patient,
        participant_pseudonym="P-4C8F2A9E0B1D",
        original_study_uid="1.2.826.0.1.3680043.10.5.1",
        pseudonymous_study_uid="2.25.1234567890123456789",
    )
    consent_grant(actor=actor, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.WRITTEN)
    consent_withdraw(actor=actor, patient=patient, scope=ConsentScope.RESEARCH, method=ConsentMethod.WRITTEN)
    return job.pk, patient.pk


# Pages per role: (name, path). Paths use the world's ids: {campaign}, {read}, ...
_SHARED = [("home", "/"), ("not found", "/no-such-page/"), ("API tokens", "/account/api-tokens/")]
PAGES: dict[str, list[tuple[str, str]]] = {
    COORDINATOR: [
        *_SHARED,
        ("participants", "/patients/"),
        ("participant", "/patients/{patient}/"),
        ("participant form", "/patients/new/"),
        ("participant edit", "/patients/{patient}/edit/"),
        ("import", "/patients/import/"),
        ("import preview", "/patients/import/{import}/"),
        ("campaigns", "/campaigns/"),
        ("campaign", "/campaigns/{campaign}/"),
        ("campaign form", "/campaigns/new/"),
        ("campaign settings", "/campaigns/{campaign}/settings/"),
        ("cohort", "/campaigns/{campaign}/cohort/"),
        ("episode", "/campaigns/episodes/{episode}/"),
        ("upload", "/imaging/upload/"),
        ("intake", "/imaging/intake/"),
        ("reconciliation", "/imaging/reconciliation/"),
        ("reconciliation study", "/imaging/reconciliation/{unmatched}/"),
        ("reconciliation search", "/imaging/reconciliation/{unmatched}/?q=Quarrington"),
        ("study", "/imaging/studies/{study}/"),
        ("job console", "/inference/jobs/"),
        ("report", "/reading/episodes/{report}/report/"),
        ("outcome", "/outcomes/episodes/{outcome}/"),
        ("registry import", "/outcomes/import/"),
        ("registry import preview", "/outcomes/import/{registry_import}/"),
        ("unmatched queue", "/outcomes/unmatched/"),
        ("unmatched row", "/outcomes/unmatched/{unmatched}/?q=a"),
        ("statistics", "/statistics/"),
        ("diagnosis search", "/outcomes/diagnoses/new/?q=a"),
        ("diagnosis form", "/outcomes/participants/{patient}/diagnosis/"),
        ("outcome KPIs", "/statistics/outcomes/"),
        ("subgroup equity", "/statistics/equity/"),
        ("episodes behind a figure", "/statistics/episodes/false_positive/"),
        ("what-if simulator", "/policies/"),
        ("research exports", "/research/exports/"),
        ("research export request", "/research/exports/new/"),
        ("research export", "/research/exports/{research_export}/"),
        ("participant in a research export", "/patients/{research_participant}/"),
        ("PACS sends", "/outbound/jobs/"),
        ("forbidden", "/reading/"),
    ],
    RADIOLOGIST: [
        *_SHARED,
        ("participants", "/patients/"),
        ("participant", "/patients/{patient}/"),
        ("campaigns", "/campaigns/"),
        ("campaign", "/campaigns/{campaign}/"),
        ("episode", "/campaigns/episodes/{episode}/"),
        ("study", "/imaging/studies/{study}/"),
        ("worklist", "/reading/"),
        ("reading view", "/reading/slots/{read}/"),
        ("my history", "/reading/history/"),
        ("report", "/reading/episodes/{report}/report/"),
        ("outcome", "/outcomes/episodes/{outcome}/"),
        ("forbidden", "/imaging/intake/"),
    ],
    ARBITRATOR: [
        ("worklist", "/reading/"),
        ("arbitrations", "/reading/arbitrations/"),
        ("arbitration", "/reading/slots/{arbitration}/"),
    ],
    AUDITOR: [
        *_SHARED,
        ("statistics", "/statistics/"),
        ("statistics by month", "/statistics/?by=site&round=first&month_from=2025-01"),
        ("statistics by vendor", "/statistics/?by=vendor"),
        ("outcome KPIs", "/statistics/outcomes/"),
        ("accuracy", "/statistics/accuracy/"),
        ("accuracy by vendor", "/statistics/accuracy/?group=vendor"),
        ("subgroup equity", "/statistics/equity/"),
        ("subgroup equity by site", "/statistics/equity/?group=site"),
        ("readers", "/statistics/readers/"),
        ("what-if simulator", "/policies/?campaign={campaign}&base=ai_second_reader&ai_threshold=0.5"),
        ("what-if scenario", "/policies/scenarios/{scenario}/"),
        ("audit trail", "/audit/"),
        ("AI monitoring", "/monitoring/"),
        ("report", "/reading/episodes/{report}/report/"),
        ("model promotion", "/promotion/"),
        ("model comparison", "/promotion/campaigns/{promotion_campaign}/"),
        ("forbidden", "/patients/"),
    ],
    ADMIN: [
        *_SHARED,
        ("participants", "/patients/"),
        ("import", "/patients/import/"),
        ("campaigns", "/campaigns/"),
        ("intake", "/imaging/intake/"),
        ("job console", "/inference/jobs/"),
        ("unmatched queue", "/outcomes/unmatched/"),
        ("statistics", "/statistics/"),
        ("readers with names", "/statistics/readers/"),
        ("AI monitoring", "/monitoring/"),
        ("what-if with triage", "/policies/?campaign={campaign}&triage_below=0.1&safety_net_at=0.9"),
        ("what-if scenario to apply", "/policies/scenarios/{scenario}/"),
        ("audit trail", "/audit/"),
        ("users", "/users/"),
        ("new user", "/users/new/"),
        ("user", "/users/{user}/"),
        ("password reset", "/users/{user}/password/"),
        ("research exports", "/research/exports/"),
        ("research export", "/research/exports/{research_export}/"),
        ("re-identification", "/research/exports/{research_export}/reidentification/"),
        ("model promotion", "/promotion/"),
        ("model comparison with its actions", "/promotion/campaigns/{promotion_campaign}/"),
        ("PACS sends", "/outbound/jobs/"),
        ("PACS destinations", "/outbound/destinations/"),
        ("new PACS destination", "/outbound/destinations/new/"),
        ("PACS destination", "/outbound/destinations/{outbound_destination}/"),
    ],
    "anonymous": [("login", "/login/"), ("not found", "/no-such-page/")],
}


def page_path(world: PageWorld, path: str) -> str:
    return path.format(**world.ids)
