"""The signed episode result as an Enhanced SR: valid against its IOD (dciodvfy), verified by the
readers who signed, with each signed version and its amendment reason, and the decision history."""

import io

import pydicom
import pytest

from screening.core.actors import Actor
from screening.outbound.episode_report_sr import episode_report_sr, report_sop_instance_uid
from screening.outbound.report_selectors import episode_report_facts
from screening.reading.signoff_services import read_amend
from screening.reading.slot_services import read_slots_open
from tests.factories import PASSWORD
from tests.outbound.conftest import mammogram_study, participant
from tests.outbound.dicom_checks import dciodvfy_errors
from tests.reading.conftest import breast_opinion, reader, sign_read, slot_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(breast_campaign, media_in_tmp):
    study = mammogram_study(breast_campaign, participant())
    radiologist = reader("reader1", breast_campaign)
    radiologist.user.first_name, radiologist.user.last_name = "Ada", "Okafor"
    radiologist.user.save()
    read_slots_open(actor=Actor.system("test"), study=study)
    sign_read(radiologist, slot_of(study), breast_opinion(right="1", left="1", comment="Dense tissue"))
    return study, radiologist


def _content(dataset) -> list[tuple[str, str]]:
    """(concept name, value) of every item of the tree, depth first."""
    pairs = []
    for item in dataset.get("ContentSequence", []):
        name = str(item.ConceptNameCodeSequence[0].CodeMeaning)
        for keyword in ("TextValue", "PersonName", "DateTime"):
            if keyword in item:
                pairs.append((name, str(item.get(keyword))))
        if "ConceptCodeSequence" in item:
            pairs.append((name, str(item.ConceptCodeSequence[0].CodeMeaning)))
        pairs += _content(item)
    return pairs


def test_a_signed_result_is_a_valid_verified_report(signed, tmp_path):
    study, _ = signed
    facts = episode_report_facts(study=study)
    document = episode_report_sr(facts)
    assert dciodvfy_errors(document, tmp_path) == []
    buffer = io.BytesIO()
    document.save_as(buffer, enforce_file_format=True)
    read = pydicom.dcmread(io.BytesIO(buffer.getvalue()))
    assert read.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.22"
    assert (read.VerificationFlag, read.CompletionFlag) == ("VERIFIED", "COMPLETE")
    assert str(read.VerifyingObserverSequence[0].VerifyingObserverName) == "Okafor^Ada"
    content = _content(read)
    assert ("Screening episode result", "Routine recall") in content
    assert ("Person Observer Name", "Okafor^Ada") in content
    assert ("Reader's comment", "Dense tissue") in content
    assert ("Assessment category", "L: 1") in content
    assert read.SOPInstanceUID == report_sop_instance_uid(facts)


def test_an_amendment_is_reported_beside_the_original_with_its_reason_and_the_earlier_decision(
    signed, tmp_path
):
    study, radiologist = signed
    before = report_sop_instance_uid(episode_report_facts(study=study))
    read_amend(
        actor=radiologist,
        slot=slot_of(study),
        password=PASSWORD,
        opinion=breast_opinion(right="1", left="4"),
        reason="Asymmetry missed at first read",
    )
    facts = episode_report_facts(study=study)
    document = episode_report_sr(facts)
    assert dciodvfy_errors(document, tmp_path) == []
    content = _content(document)
    assert ("Reason for the amendment", "Asymmetry missed at first read") in content
    assert ("Assessment category", "L: 1") in content and ("Assessment category", "L: 4") in content
    assert [value for name, value in content if name == "Screening episode result"] == [
        "Recall for assessment",  # the result now
        "Routine recall",  # the decision the amendment replaced, in the history
    ]
    assert report_sop_instance_uid(facts) != before


def test_no_report_before_a_decision(breast_campaign, media_in_tmp):
    study = mammogram_study(breast_campaign, participant())
    read_slots_open(actor=Actor.system("test"), study=study)
    assert episode_report_facts(study=study) is None
