"""An export that retains device identity keeps the station's name in its files, so that name is
not a canary: the canaries of each original are listed under the export's own options."""

import io

import pydicom
import pytest

from screening.research.models import ExportStatus
from tests.research.conftest import package_members, requested_and_run

pytestmark = pytest.mark.django_db

STATION = "CT01_OC0"  # pydicom's CT_small, which every study of the export world is made of


def test_retaining_device_identity_exports_the_station_name_without_failing_the_scan(
    export_world, coordinator_actor, research_root
):
    job = requested_and_run(coordinator_actor, export_world.campaign, retain_device_identity=True)
    assert job.status == ExportStatus.SUCCEEDED, job.error
    members = package_members(research_root / job.package_name)
    datasets = [pydicom.dcmread(io.BytesIO(data)) for name, data in members.items() if name.endswith(".dcm")]
    assert datasets and {str(dataset.StationName) for dataset in datasets} == {STATION}


def test_without_the_option_the_station_name_is_removed(export_world, coordinator_actor, research_root):
    job = requested_and_run(coordinator_actor, export_world.campaign)
    assert job.status == ExportStatus.SUCCEEDED, job.error
    members = package_members(research_root / job.package_name)
    assert not any(STATION.encode() in data for data in members.values())
