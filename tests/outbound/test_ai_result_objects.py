"""The AI result of a study as a TID 1500 Comprehensive 3D SR and its heat maps as Secondary
Captures: valid against the IODs (dciodvfy), and read back by highdicom to the stored values."""

import io

import highdicom as hd
import numpy as np
import pydicom
import pytest

from screening.outbound.ai_result_sr import ai_result_sr, heat_peak
from screening.outbound.heatmap_capture import heatmap_capture
from screening.outbound.report_selectors import ai_result_with_images
from screening.outbound.sr_codes import PROBABILITY_OF_CANCER, TRIAGE_BAND
from tests.outbound.conftest import mammogram_study, participant, stored_ai_result
from tests.outbound.dicom_checks import dciodvfy_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def ai_result(breast_campaign, media_in_tmp):
    study = mammogram_study(breast_campaign, participant())
    return ai_result_with_images(result_id=stored_ai_result(study, announce=False).pk)


def _roundtrip(dataset):
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return pydicom.dcmread(io.BytesIO(buffer.getvalue()))


def test_the_ai_sr_is_valid_and_reads_back_to_the_result(ai_result, tmp_path):
    result, images = ai_result
    document = ai_result_sr(result, images)
    assert dciodvfy_errors(document, tmp_path) == []
    read = hd.sr.srread(io.BytesIO(_bytes(document)))
    assert read.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"  # Comprehensive 3D SR
    assert read.StudyInstanceUID == result.study.study_instance_uid
    assert read.PatientID == result.study.dicom_patient_id
    report = read.content
    studywide = report.get_image_measurement_groups()
    planar = report.get_planar_roi_measurement_groups()
    assert len(studywide) == 1 + 2 and len(planar) == 4  # study, two breasts; four views with heat maps
    study_group = studywide[0]
    (score,) = study_group.get_measurements(name=PROBABILITY_OF_CANCER)
    assert score.value == pytest.approx(0.82)
    (band,) = study_group.get_qualitative_evaluations(name=TRIAGE_BAND)
    assert band.value.meaning == "High suspicion"
    # Algorithm Name and Version (TID 4019) name the model in every group.
    assert set(_texts(read, "111001")) == {"breast-demo"} and set(_texts(read, "111003")) == {"2.1"}
    assert len(_texts(read, "111001")) >= 7
    sides = {g.finding_sites[0].laterality.meaning: g.get_measurements()[0].value for g in studywide[1:]}
    assert sides == {"Right": pytest.approx(0.2), "Left": pytest.approx(0.82)}
    assert sorted(round(g.get_measurements()[0].value, 2) for g in planar) == [0.2, 0.2, 0.82, 0.82]


def test_each_image_group_points_at_the_heat_peak_on_its_source_image(ai_result):
    result, images = ai_result
    read = _roundtrip(ai_result_sr(result, images))
    points = _points(read)
    assert len(points) == 4
    by_uid = {image.instance.sop_instance_uid: image for image in images}
    for uid, data in points:
        image = by_uid[uid]
        expected = heat_peak(image)
        assert np.allclose(data, expected)
        # The peak of the 16 x 12 map (row 5, column 7) on the 128 x 128 image.
        assert np.allclose(data, [(7 + 0.5) * 128 / 12, (5 + 0.5) * 128 / 16])


def test_a_heat_map_capture_is_a_valid_overlay_of_its_source_image(ai_result, tmp_path):
    result, images = ai_result
    capture = heatmap_capture(result, images[0], number=1)
    assert dciodvfy_errors(capture, tmp_path) == []
    read = _roundtrip(capture)
    assert read.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7"
    assert read.SourceImageSequence[0].ReferencedSOPInstanceUID == images[0].instance.sop_instance_uid
    assert read.StudyInstanceUID == result.study.study_instance_uid
    pixels = read.pixel_array
    assert pixels.shape[2] == 3
    # Red heat where the map peaks, the grey image elsewhere.
    row, column = int(pixels.shape[0] * 5.5 / 16), int(pixels.shape[1] * 7.5 / 12)
    red, green, blue = (int(v) for v in pixels[row, column])
    assert red > green > blue and red > blue + 60
    corner = pixels[2, 2]
    assert int(corner[0]) == int(corner[1]) == int(corner[2])


def test_the_same_result_is_built_with_the_same_uids(ai_result):
    result, images = ai_result
    first, again = ai_result_sr(result, images), ai_result_sr(result, images)
    assert first.SOPInstanceUID == again.SOPInstanceUID
    assert (
        heatmap_capture(result, images[1], number=2).SOPInstanceUID
        != heatmap_capture(result, images[0], number=1).SOPInstanceUID
    )


def _bytes(dataset) -> bytes:
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.get("ContentSequence", []))


def _texts(dataset, code_value: str) -> list[str]:
    return [
        item.TextValue
        for item in _walk(dataset.ContentSequence)
        if item.ValueType == "TEXT" and item.ConceptNameCodeSequence[0].CodeValue == code_value
    ]


def _points(dataset):
    points = []
    for item in _walk(dataset.ContentSequence):
        if item.ValueType == "SCOORD":
            (image,) = [child for child in item.ContentSequence if child.ValueType == "IMAGE"]
            uid = image.ReferencedSOPSequence[0].ReferencedSOPInstanceUID
            points.append((uid, np.array(item.GraphicData, dtype=float)))
    return points


@pytest.mark.parametrize("frames", [1, 3])
def test_the_sr_holds_the_items_highdicom_builds_for_the_same_result(ai_result, frames):
    from tests.outbound.highdicom_reference import highdicom_ai_result_sr

    result, images = ai_result
    for image in images:
        image.instance.frames, image.slice_index = frames, frames - 1
    document, reference = ai_result_sr(result, images), highdicom_ai_result_sr(result, images)
    assert list(document.ContentSequence) == list(reference.ContentSequence)
    stamped = {"InstanceCreationDate", "InstanceCreationTime", "ContentDate", "ContentTime"}
    # highdicom also names itself as contributing equipment; the rest of the header is the same.
    names = {e.keyword for e in reference} - stamped - {"ContributingEquipmentSequence"}
    assert names == {e.keyword for e in document} - stamped
    assert all(document[name] == reference[name] for name in names)
