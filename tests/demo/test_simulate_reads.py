"""simulate_reads: the demo readers' signed reads issue results that follow the ground truth."""

import pytest
from django.core.management import call_command

from screening.campaigns.models import EpisodeResult, EpisodeStatus
from screening.core.audit_selectors import audit_chain_verify
from screening.demo.demo_cohort import demo_users_ensure
from screening.demo.models import SyntheticStudyTruth
from screening.demo.read_simulation import reader_recalls
from screening.outcomes.models import Assessment
from screening.reading.models import ReadSlot, ReadSlotStatus


@pytest.mark.django_db
def test_demo_readers_issue_results_from_the_truth_and_outcomes_follow(
    media_in_tmp, django_capture_on_commit_callbacks
):
    call_command("seed_demo", patients=4)
    with django_capture_on_commit_callbacks(execute=True):  # reads open once the images are stored
        call_command(
            "generate_cohort", programme="breast", patients=8, seed=4, prevalence=0.5, send="upload",
            out=media_in_tmp / "breast",
        )  # fmt: skip
    demo_users_ensure()

    call_command("simulate_reads", seed=1, share=1.0)
    call_command("simulate_reads", seed=1, share=1.0)  # nothing left: signs nothing more

    truths = list(SyntheticStudyTruth.objects.filter(episode__status=EpisodeStatus.RESULT_ISSUED))
    assert truths and not ReadSlot.objects.filter(status=ReadSlotStatus.OPEN).exists()
    for truth in truths:
        expected = EpisodeResult.RECALL if reader_recalls(truth, 1) else EpisodeResult.ROUTINE
        assert truth.episode.result == expected
    call_command("simulate_outcomes", seed=1)
    recalled = [t for t in truths if t.episode.result == EpisodeResult.RECALL]
    assert Assessment.objects.count() == len(recalled) > 0
    assert audit_chain_verify().ok
