"""The worklist's band counters: equal to a recount of the open reads after every kind of change,
and the worklist page costs the same queries on page 1 and on a later page."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from screening.inference_jobs.models import InferenceJob, InferenceResult
from screening.reading.models import ReadRole, ReadSlot, ReadSlotStatus, WorklistBandCount
from screening.reading.slot_services import read_slot_claim, read_slot_release, read_slot_skip
from screening.reading.triage_keys import read_slots_triage_refresh
from screening.reading.worklist_counts import worklist_counts_check, worklist_counts_rebuild
from screening.reading.worklist_selectors import worklist_band_counts
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, sign_read, slot_of


def ai_result(study, *, score: float, band: str) -> None:
    job = InferenceJob.objects.create(
        study=study, model_name="m", model_version="1", queued_at=timezone.now()
    )
    InferenceResult.objects.create(
        job=job,
        study=study,
        model_name="m",
        model_version="1",
        study_score=score,
        band=band,
        high_threshold=0.5,
        low_threshold=0.1,
    )


def test_counts_equal_a_recount_after_opens_claims_signs_rebands_and_arbitration(breast_campaign, readers):
    first, second, third = readers
    studies = [imaged_study(breast_campaign) for _ in range(3)]
    assert worklist_counts_check() == {}
    assert worklist_band_counts(actor=first)["none"] == 6  # first and second read of each study

    ai_result(studies[0], score=0.9, band="high")
    assert read_slots_triage_refresh(study_ids=[studies[0].pk]) == 2
    assert worklist_counts_check() == {}
    assert worklist_band_counts(actor=first) == {"high": 2, "intermediate": 0, "low": 0, "none": 4}

    claimed = read_slot_claim(actor=first, slot=slot_of(studies[1]))
    read_slot_release(actor=first, slot=claimed)
    read_slot_skip(actor=second, slot=slot_of(studies[2]), reason="Known to me")
    assert worklist_counts_check() == {}  # claims and skips do not change what is waiting

    # A disagreement on the high-band study opens an arbitration read in the same band.
    sign_read(first, slot_of(studies[0]), password=PASSWORD, opinion=breast_opinion(right="4"))
    assert worklist_counts_check() == {}
    sign_read(second, slot_of(studies[0], ReadRole.SECOND), password=PASSWORD, opinion=breast_opinion())
    arbitration = slot_of(studies[0], ReadRole.ARBITRATION)
    assert arbitration.status == ReadSlotStatus.OPEN
    assert worklist_counts_check() == {}
    assert worklist_band_counts(actor=third) == {"high": 0, "intermediate": 0, "low": 0, "none": 4}
    assert WorklistBandCount.objects.get(campaign=breast_campaign, role=ReadRole.ARBITRATION).open_reads == 1

    sign_read(third, arbitration, password=PASSWORD, opinion=breast_opinion(right="4"))
    assert worklist_counts_check() == {}
    assert ReadSlot.objects.filter(status=ReadSlotStatus.OPEN).count() == 4


def test_a_counter_that_drifted_is_reported_and_rebuilt(breast_campaign, readers):
    imaged_study(breast_campaign)
    WorklistBandCount.objects.update(open_reads=7)
    assert len(worklist_counts_check()) == 2
    with pytest.raises(CommandError):
        call_command("worklist_counts_rebuild", "--check")
    call_command("worklist_counts_rebuild")
    assert worklist_counts_check() == {}
    assert worklist_counts_rebuild() == 2  # (campaign, first, none) and (campaign, second, none)
    call_command("worklist_counts_rebuild", "--check")


def test_the_worklist_page_costs_the_same_queries_on_page_one_and_a_later_page(breast_campaign, readers):
    for n in range(55):  # 55 first reads waiting: two pages of 50
        imaged_study(breast_campaign, days_waiting=n % 20)
    client = Client()
    client.force_login(readers[0].user)
    url = reverse("reading:worklist")
    client.get(url)  # renews the idle timeout (once a minute at most): not a cost of either page
    with CaptureQueriesContext(connection) as page_one:
        first_page = client.get(url)
    next_cursor = first_page.context["page"].next_cursor
    assert len(first_page.context["page"].entries) == 50 and next_cursor
    with CaptureQueriesContext(connection) as page_two:
        second_page = client.get(url, {"cursor": next_cursor})
    assert len(second_page.context["page"].entries) == 5
    assert len(page_one) == len(page_two), [q["sql"][:80] for q in page_two.captured_queries]
    assert second_page.context["counts"]["none"] == 110
