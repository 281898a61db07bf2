"""The modality worklist on the DICOM listener, asked by a pynetdicom modality: who is scheduled."""

import threading
import time
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from screening.campaigns.models import CampaignStatus, EpisodeStatus
from screening.core.models import AuditEvent
from screening.imaging import worklist_find as worklist_find_module
from tests.factories import CampaignFactory, EpisodeFactory, PatientFactory, programme
from tests.imaging.listener_helpers import serve
from tests.imaging.worklist_helpers import worklist_find, worklist_query

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener():
    server = serve(allowed=("MODALITY1", "MAMMO1"))
    yield server.server_address[1]
    server.shutdown()


def _invited_on(day: date, **kwargs):
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))
    return EpisodeFactory(invited_at=moment, **kwargs)


def _accessions(items):
    return sorted(item.AccessionNumber for item in items)


def test_invited_and_attended_episodes_of_open_campaigns_are_scheduled_with_their_details(listener):
    patient = PatientFactory(family_name="Ashworth", given_name="Ruth", date_of_birth=date(1962, 3, 4))
    invited = EpisodeFactory(patient=patient, status=EpisodeStatus.INVITED)
    attended = EpisodeFactory(status=EpisodeStatus.ATTENDED)
    EpisodeFactory(status=EpisodeStatus.IMAGED)
    EpisodeFactory(status=EpisodeStatus.ELIGIBLE)
    EpisodeFactory(campaign=CampaignFactory(status=CampaignStatus.CLOSED))
    EpisodeFactory(campaign=CampaignFactory(status=CampaignStatus.DRAFT))

    status, items = worklist_find(listener, worklist_query())

    assert status == 0x0000
    assert _accessions(items) == sorted([invited.accession_number, attended.accession_number])
    item = next(i for i in items if i.AccessionNumber == invited.accession_number)
    assert (str(item.PatientName), item.PatientID, item.IssuerOfPatientID) == (
        "Ashworth^Ruth",
        patient.identifier,
        "NHS",
    )
    assert (item.PatientBirthDate, item.PatientSex) == ("19620304", "F")
    assert item.RequestedProcedureDescription == invited.campaign.programme.name
    step = item.ScheduledProcedureStepSequence[0]
    assert step.Modality == "MG"
    assert step.ScheduledProcedureStepStartDate == timezone.localtime(invited.invited_at).strftime("%Y%m%d")
    # The same proposal each time: the study UID comes from the accession number.
    _, again = worklist_find(listener, worklist_query(AccessionNumber=invited.accession_number))
    assert [i.StudyInstanceUID for i in again] == [item.StudyInstanceUID]


def test_patient_id_matches_exactly_by_prefix_and_by_wildcard(listener):
    first = EpisodeFactory(patient=PatientFactory(identifier="9434765919"))
    second = EpisodeFactory(patient=PatientFactory(identifier="9434765870"))
    EpisodeFactory(patient=PatientFactory(identifier="4010232137"))

    assert _accessions(worklist_find(listener, worklist_query(PatientID="9434765919"))[1]) == [
        first.accession_number
    ]
    both = sorted([first.accession_number, second.accession_number])
    assert _accessions(worklist_find(listener, worklist_query(PatientID="943476*"))[1]) == both
    assert _accessions(worklist_find(listener, worklist_query(PatientID="9434765?1?"))[1]) == [
        first.accession_number
    ]
    assert worklist_find(listener, worklist_query(PatientID="0000000000"))[1] == []


def test_patient_name_matches_by_component_ignoring_case(listener):
    ruth = EpisodeFactory(patient=PatientFactory(family_name="Ashworth", given_name="Ruth"))
    EpisodeFactory(patient=PatientFactory(family_name="Ashby", given_name="Jane"))

    _, items = worklist_find(listener, worklist_query(PatientName="ASH*^R*"))

    assert _accessions(items) == [ruth.accession_number]


def test_the_scheduled_date_matches_a_day_and_open_and_closed_ranges(listener):
    today = timezone.localdate()
    earlier = _invited_on(today - timedelta(days=10))
    recent = _invited_on(today - timedelta(days=1))
    on_day = _invited_on(today)

    def asked(range_text):
        step = {"ScheduledProcedureStepStartDate": range_text}
        return _accessions(worklist_find(listener, worklist_query(step=step))[1])

    day = today.strftime("%Y%m%d")
    yesterday = (today - timedelta(days=1)).strftime("%Y%m%d")
    assert asked(day) == [on_day.accession_number]
    assert asked(f"{yesterday}-{day}") == sorted([recent.accession_number, on_day.accession_number])
    assert asked(f"-{yesterday}") == sorted([earlier.accession_number, recent.accession_number])
    assert asked(f"{yesterday}-") == sorted([recent.accession_number, on_day.accession_number])


def test_modality_and_station_are_matched_inside_the_scheduled_step(listener, settings):
    settings.DICOM_WORKLIST_STATION_AE_TITLES = {"MG": "MAMMO1"}
    breast = EpisodeFactory()
    lung = EpisodeFactory(campaign=CampaignFactory(programme=programme("lung")))

    def asked(**step):
        return _accessions(worklist_find(listener, worklist_query(step=step))[1])

    assert asked(Modality="MG") == [breast.accession_number]
    assert asked(Modality="CT") == [lung.accession_number]
    # MG is scheduled on MAMMO1; CT names no station, so it is offered to every station.
    assert asked(ScheduledStationAETitle="MAMMO1") == sorted([breast.accession_number, lung.accession_number])
    assert asked(ScheduledStationAETitle="MAMMO2") == [lung.accession_number]
    assert asked(ScheduledStationAETitle="MAM*", Modality="MG") == [breast.accession_number]
    _, items = worklist_find(listener, worklist_query(step={"Modality": "MG"}))
    assert items[0].ScheduledProcedureStepSequence[0].ScheduledStationAETitle == "MAMMO1"


def test_only_the_keys_asked_are_returned(listener):
    episode = EpisodeFactory()
    identifier = worklist_query(AccessionNumber=episode.accession_number)
    for keyword in ("PatientName", "PatientBirthDate", "StudyInstanceUID"):
        delattr(identifier, keyword)
    identifier.ScheduledProcedureStepSequence[0].ScheduledProcedureStepID = ""

    _, [item] = worklist_find(listener, identifier)

    assert "PatientName" not in item and "PatientBirthDate" not in item
    assert item.PatientID == episode.patient.identifier
    assert item.ScheduledProcedureStepSequence[0].ScheduledProcedureStepID == episode.accession_number


@pytest.mark.filterwarnings("ignore:Invalid value for VR DA")
@pytest.mark.parametrize("bad", ["2026-13-01", "20261301", "yesterday", "-", "20260101-20260102-20260103"])
def test_a_malformed_date_is_refused_and_audited(listener, bad):
    EpisodeFactory()

    status, items = worklist_find(listener, worklist_query(step={"ScheduledProcedureStepStartDate": bad}))

    assert (status, items) == (0xA900, [])
    event = AuditEvent.objects.get(object_type="worklist")
    assert event.outcome == "failed" and event.detail["ended"] == "refused"


def test_every_query_is_audited_with_the_names_of_its_keys_never_their_values(listener, caplog):
    caplog.set_level("DEBUG")
    episode = EpisodeFactory(patient=PatientFactory(family_name="Ashworth"))

    worklist_find(listener, worklist_query(PatientID=episode.patient.identifier, PatientName="Ash*"))

    event = AuditEvent.objects.get(object_type="worklist")
    assert event.action == "search" and event.actor_username == "system:worklist:MODALITY1"
    assert event.detail == {
        "calling_ae": "MODALITY1",
        "keys": ["PatientID", "PatientName"],
        "matches": 1,
        "ended": "completed",
    }
    assert episode.patient.identifier not in str(event.detail) and "Ash" not in str(event.detail)
    assert "Worklist C-FIND from MODALITY1: 1 items sent" in caplog.text
    assert episode.patient.identifier not in caplog.text and "Ashworth" not in caplog.text


def test_an_ae_not_on_the_allow_list_gets_nothing(listener):
    EpisodeFactory()

    status, items = worklist_find(listener, worklist_query(), calling_ae="INTRUDER")

    assert (status, items) == (None, [])
    assert not AuditEvent.objects.filter(object_type="worklist").exists()


def test_a_cancel_stops_the_stream(listener, monkeypatch):
    campaign = CampaignFactory()
    EpisodeFactory.create_batch(300, campaign=campaign)
    cancel_sent = threading.Event()
    every_item = worklist_find_module.worklist_items

    def items_paced_after_the_first(query, requested):
        # The listener streams faster than a modality reads: without pacing it can send all 300
        # before the C-CANCEL arrives, and the test would then race the network.
        for index, item in enumerate(every_item(query, requested)):
            if index == 1:
                assert cancel_sent.wait(10), "the modality never sent its C-CANCEL"
            if index >= 1:
                time.sleep(0.01)
            yield item

    monkeypatch.setattr(worklist_find_module, "worklist_items", items_paced_after_the_first)

    status, items = worklist_find(listener, worklist_query(), cancel_after=1, cancel_sent=cancel_sent)

    assert status == 0xFE00
    assert len(items) < 300
    event = AuditEvent.objects.get(object_type="worklist")
    assert event.detail["ended"] == "cancelled" and event.detail["matches"] == len(items)


def test_with_no_station_configured_every_station_gets_the_items(listener, settings):
    settings.DICOM_WORKLIST_STATION_AE_TITLES = {}
    episode = EpisodeFactory()

    _, items = worklist_find(listener, worklist_query(step={"ScheduledStationAETitle": "ANYUNIT"}))

    assert _accessions(items) == [episode.accession_number]
    assert items[0].ScheduledProcedureStepSequence[0].ScheduledStationAETitle == ""


def test_queries_run_on_the_worklist_database_threads_not_each_association_s_own(listener, monkeypatch):
    # Each association is a new thread, and a new thread means a new database connection: the
    # worklist reads and audits on its few long-lived threads, which keep theirs.
    episode = EpisodeFactory()
    every_item = worklist_find_module.worklist_items
    readers = []

    def items_noting_the_thread(query, requested):
        readers.append(threading.current_thread().name)
        yield from every_item(query, requested)

    monkeypatch.setattr(worklist_find_module, "worklist_items", items_noting_the_thread)
    for _ in range(3):
        _, items = worklist_find(listener, worklist_query(AccessionNumber=episode.accession_number))
        assert _accessions(items) == [episode.accession_number]

    assert len(readers) == 3 and all(name.startswith("worklist-database") for name in readers)
    assert AuditEvent.objects.filter(object_type="worklist").count() == 3
