"""Mutated DICOM bytes: whatever arrives, intake answers with an outcome and never raises."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.core.actors import Actor
from screening.imaging.ingestion_services import IngestOutcome, IngestStatus, instance_ingest
from screening.imaging.models import Instance, IntakeRejection, IntakeSource
from tests.imaging.conftest import pydicom_file_bytes

ORIGINAL = pydicom_file_bytes("CT_small.dcm")
ACTOR = Actor.system("property-test")


@st.composite
def mutated_dicom(draw: st.DrawFn) -> bytes:
    """CT_small.dcm with bit flips, truncation, inserted or deleted runs, or overwritten lengths."""
    data = bytearray(ORIGINAL)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "overwrite"]))
        # Mutations favour the header, where lengths, VRs and UIDs live.
        limit = len(data) if draw(st.booleans()) else min(len(data), 2000)
        at = draw(st.integers(min_value=0, max_value=max(limit - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=16))]
        else:
            data[at : at + 4] = draw(
                st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\xfe\xff\x00\xe0"])
            )
    return bytes(data)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated_dicom())
def test_mutated_dicom_is_stored_or_refused_never_raises(data, media_root):
    rejections_before = IntakeRejection.objects.count()

    outcome = instance_ingest(actor=ACTOR, source=IntakeSource.STOW, data=data)

    assert isinstance(outcome, IngestOutcome)
    assert outcome.status in IngestStatus.values
    if outcome.status == IngestStatus.REJECTED:
        assert outcome.reason and outcome.message
        assert IntakeRejection.objects.count() == rejections_before + 1
    else:
        assert Instance.objects.filter(sop_instance_uid=outcome.sop_instance_uid).exists()
