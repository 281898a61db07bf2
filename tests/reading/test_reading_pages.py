"""Reading pages: worklist, reading view with sign-off and amendment, arbitration, history, report."""

import pytest
from django.test import Client
from django.urls import reverse

from screening.campaigns.models import Episode, EpisodeStatus, ReadingPolicy
from screening.core.actors import Actor
from screening.core.roles import Role
from screening.imaging.models import Study, StudyMatch
from screening.reading.models import ReadOpinion, ReadRole, ReadSlotEvent, ReadSlotStatus
from screening.reading.slot_services import read_slot_claim, read_slots_open
from tests.factories import CampaignFactory, EpisodeFactory, UserFactory, programme
from tests.imaging.fixtures_pages import sample_dataset, store_instance, with_fresh_uids
from tests.page_text import shows_figure, without_tokens
from tests.reading.conftest import PASSWORD, breast_opinion, imaged_study, reader, sign_read, slot_of

FIRST_COMMENT = "First reader: spiculated mass right upper outer quadrant"


def client_for(actor) -> Client:
    client = Client()
    client.force_login(actor.user)
    return client


def normal_form(**overrides) -> dict:
    data = {
        "result": "routine",
        "category_R": "1",
        "category_L": "1",
        "comment": "",
        "password": PASSWORD,
        "finding-TOTAL_FORMS": "1",
        "finding-INITIAL_FORMS": "0",
        "finding-MIN_NUM_FORMS": "0",
        "finding-MAX_NUM_FORMS": "10",
    }
    return {**data, **overrides}


def recall_form(**overrides) -> dict:
    fields = {
        "result": "recall",
        "category_R": "4",
        "comment": FIRST_COMMENT,
        "finding-0-category": "4",
        "finding-0-side": "R",
        "finding-0-quadrant": "UOQ",
    }
    return normal_form(**{**fields, **overrides})


@pytest.fixture
def first(readers):
    return readers[0]


@pytest.fixture
def second(readers):
    return readers[1]


def test_worklist_lists_the_high_band_first_with_counts_and_overdue_marks(breast_campaign, first):
    low = imaged_study(breast_campaign, days_waiting=20, score=0.05, band="low")
    high = imaged_study(breast_campaign, days_waiting=1, score=0.9, band="high")
    elsewhere = imaged_study(CampaignFactory(), score=0.99, band="high")

    response = client_for(first).get(reverse("reading:worklist"))

    html = response.content.decode()
    rows = [slot_of(high).pk, slot_of(low).pk]
    positions = [html.index(f'data-slot="{pk}"') for pk in rows]
    assert positions == sorted(positions)
    assert f'data-slot="{slot_of(elsewhere).pk}"' not in html
    counts = response.context["counts"]
    assert counts["high"].n == 1 and counts["low"].n == 1  # studies, as the rows: not their two reads
    entries = {entry.slot.pk: entry for entry in response.context["page"].entries}
    assert entries[slot_of(low).pk].overdue and not entries[slot_of(high).pk].overdue
    assert "overdue" in html


def test_worklist_filters_by_band_and_a_broken_page_link_starts_again(breast_campaign, first):
    imaged_study(breast_campaign, score=0.05, band="low")
    high = imaged_study(breast_campaign, score=0.9, band="high")
    client = client_for(first)

    filtered = client.get(reverse("reading:worklist"), {"band": "high"})
    assert [e.slot.study_id for e in filtered.context["page"].entries] == [high.pk]

    broken = client.get(reverse("reading:worklist"), {"cursor": "not-a-cursor"}, follow=True)
    assert "This page link is not valid" in broken.content.decode()


def test_opening_a_read_claims_it_and_another_reader_cannot_take_it(breast_campaign, first, second):
    slot = slot_of(imaged_study(breast_campaign))

    mine = client_for(first).get(reverse("reading:read", args=[slot.pk]))
    assert mine.status_code == 200 and mine.context["can_sign"]
    slot.refresh_from_db()
    assert slot.claimed_by == first.user

    theirs = client_for(second).get(reverse("reading:read", args=[slot.pk]))
    assert not theirs.context["can_sign"]
    assert "Another reader has this study open" in theirs.content.decode()
    assert 'id="sign-form"' not in theirs.content.decode()


def test_signing_stores_a_locked_opinion_and_shows_it_with_an_amendment_form(breast_campaign, first):
    slot = slot_of(imaged_study(breast_campaign))
    client = client_for(first)
    client.get(reverse("reading:read", args=[slot.pk]))

    response = client.post(reverse("reading:sign", args=[slot.pk]), recall_form(), follow=True)

    slot.refresh_from_db()
    assert slot.status == ReadSlotStatus.SIGNED and slot.signed_by == first.user
    opinion = slot.current_opinion
    assert (opinion.result, opinion.categories) == ("recall", {"R": "4", "L": "1"})
    assert opinion.findings.get().quadrant == "UOQ"
    assert opinion.reading_seconds is not None
    html = response.content.decode()
    assert "Your signed read (locked)" in html and 'id="amend-form"' in html
    assert 'id="sign-form"' not in html


def test_a_wrong_password_says_so_and_stores_nothing(breast_campaign, first):
    slot = slot_of(imaged_study(breast_campaign))
    client = client_for(first)
    client.get(reverse("reading:read", args=[slot.pk]))

    response = client.post(reverse("reading:sign", args=[slot.pk]), recall_form(password="wrong"))

    assert response.status_code == 400
    assert "Your password did not match; the read is not signed." in response.content.decode()
    assert FIRST_COMMENT in response.content.decode()  # what was typed is kept
    slot.refresh_from_db()
    assert slot.status == ReadSlotStatus.OPEN and not ReadOpinion.objects.exists()


def test_an_opinion_the_programme_refuses_is_shown_on_the_form(breast_campaign, first):
    slot = slot_of(imaged_study(breast_campaign))
    client = client_for(first)
    client.get(reverse("reading:read", args=[slot.pk]))

    response = client.post(reverse("reading:sign", args=[slot.pk]), normal_form(category_R="4"))

    assert response.status_code == 400
    assert "does not go with a routine result" in response.content.decode()
    assert not ReadOpinion.objects.exists()


def test_a_forged_signature_for_another_readers_claimed_read_is_refused(breast_campaign, first, second):
    slot = read_slot_claim(actor=first, slot=slot_of(imaged_study(breast_campaign)))

    response = client_for(second).post(reverse("reading:sign", args=[slot.pk]), normal_form(), follow=True)

    assert "Another reader has this study open" in response.content.decode()
    slot.refresh_from_db()
    assert slot.status == ReadSlotStatus.OPEN and slot.claimed_by == first.user
    assert not ReadOpinion.objects.exists()


def test_a_forged_signature_on_a_closed_episode_is_refused(breast_campaign, first):
    study = imaged_study(breast_campaign)
    slot = slot_of(study)
    client = client_for(first)
    client.get(reverse("reading:read", args=[slot.pk]))
    type(study.episode).objects.filter(pk=study.episode_id).update(status=EpisodeStatus.CLOSED)

    response = client.post(reverse("reading:sign", args=[slot.pk]), normal_form(), follow=True)

    assert "it takes no new reads" in response.content.decode()
    assert not ReadOpinion.objects.exists()


def test_a_reader_outside_the_campaign_cannot_open_or_sign_its_reads(breast_campaign, first):
    slot = slot_of(imaged_study(breast_campaign))
    outsider = reader("outsider", CampaignFactory())
    client = client_for(outsider)

    assert client.get(reverse("reading:read", args=[slot.pk])).status_code == 404
    assert client.post(reverse("reading:sign", args=[slot.pk]), normal_form()).status_code == 404
    assert not ReadOpinion.objects.exists()


def test_the_second_reader_page_hides_the_first_opinion_until_both_signed(breast_campaign, first, second):
    study = imaged_study(breast_campaign)
    first_client, second_client = client_for(first), client_for(second)
    first_client.get(reverse("reading:read", args=[slot_of(study).pk]))
    first_client.post(reverse("reading:sign", args=[slot_of(study).pk]), recall_form())
    second_slot = slot_of(study, ReadRole.SECOND)

    before = second_client.get(reverse("reading:read", args=[second_slot.pk])).content.decode()
    assert FIRST_COMMENT not in before
    assert "Recall for assessment" not in before.split('id="sign-off"')[0]
    assert first.user.username not in before
    # The first read's own page is no way round it either.
    sneak = second_client.get(reverse("reading:read", args=[slot_of(study).pk])).content.decode()
    assert FIRST_COMMENT not in sneak and first.user.username not in sneak

    second_client.post(reverse("reading:sign", args=[second_slot.pk]), recall_form(comment="agree"))
    after = second_client.get(reverse("reading:read", args=[second_slot.pk])).content.decode()
    assert FIRST_COMMENT in after


def test_a_disagreement_goes_to_the_arbitration_list_and_the_arbitrator_sees_both(breast_campaign, readers):
    first, second, third = readers
    study = imaged_study(breast_campaign)
    sign_read(
        first,
        slot_of(study),
        password=PASSWORD,
        opinion=breast_opinion(right="4", comment=FIRST_COMMENT),
    )
    sign_read(second, slot_of(study, ReadRole.SECOND), password=PASSWORD, opinion=breast_opinion())
    arbitration = slot_of(study, ReadRole.ARBITRATION)
    client = client_for(third)

    listing = client.get(reverse("reading:arbitrations")).content.decode()
    assert f'data-slot="{arbitration.pk}"' in listing
    first_listing = client_for(first).get(reverse("reading:arbitrations")).content.decode()
    assert f'data-slot="{arbitration.pk}"' not in first_listing

    page = client.get(reverse("reading:read", args=[arbitration.pk])).content.decode()
    assert FIRST_COMMENT in page and 'id="sign-form"' in page
    client.post(reverse("reading:sign", args=[arbitration.pk]), normal_form())

    study.episode.refresh_from_db()
    assert (study.episode.status, study.episode.result) == (EpisodeStatus.RESULT_ISSUED, "routine")
    report = client.get(reverse("reading:report", args=[study.episode_id])).content.decode()
    assert "Arbitration" in report and FIRST_COMMENT in report


def test_amending_a_signed_read_adds_a_version_with_its_reason(breast_campaign, first):
    slot = slot_of(imaged_study(breast_campaign))
    client = client_for(first)
    client.get(reverse("reading:read", args=[slot.pk]))
    client.post(reverse("reading:sign", args=[slot.pk]), normal_form())

    refused = client.post(reverse("reading:amend", args=[slot.pk]), normal_form(comment="x"))
    assert refused.status_code == 400 and ReadOpinion.objects.count() == 1

    response = client.post(
        reverse("reading:amend", args=[slot.pk]),
        normal_form(category_R="2", reason="Benign calcification missed"),
        follow=True,
    )

    versions = list(ReadOpinion.objects.filter(slot=slot).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].amendment_reason == "Benign calcification missed"
    assert "Benign calcification missed" in response.content.decode()


def test_skip_needs_a_reason_and_takes_the_study_off_the_readers_worklist(breast_campaign, first):
    slot = slot_of(imaged_study(breast_campaign))
    client = client_for(first)
    client.get(reverse("reading:read", args=[slot.pk]))

    client.post(reverse("reading:skip", args=[slot.pk]), {"reason": ""})
    assert not ReadSlotEvent.objects.filter(kind="skipped").exists()

    client.post(reverse("reading:skip", args=[slot.pk]), {"reason": "Conflict of interest"})
    assert ReadSlotEvent.objects.get(kind="skipped").reason == "Conflict of interest"
    listing = client.get(reverse("reading:worklist")).content.decode()
    assert f'data-slot="{slot.pk}"' not in listing


def test_release_gives_the_read_back(breast_campaign, first):
    slot = slot_of(imaged_study(breast_campaign))
    client = client_for(first)
    client.get(reverse("reading:read", args=[slot.pk]))

    response = client.post(reverse("reading:release", args=[slot.pk]))

    assert response.status_code == 302
    slot.refresh_from_db()
    assert slot.claimed_by is None


def test_next_opens_the_next_read_on_the_worklist(breast_campaign, first):
    high = slot_of(imaged_study(breast_campaign, score=0.9, band="high"))
    low = slot_of(imaged_study(breast_campaign, score=0.05, band="low"))
    client = client_for(first)

    assert client.get(reverse("reading:next"))["Location"] == reverse("reading:read", args=[high.pk])
    after = client.get(reverse("reading:next"), {"after": high.pk})
    assert after["Location"] == reverse("reading:read", args=[low.pk])


def test_history_shows_what_the_reader_signed_and_agreement(breast_campaign, first, second):
    study = imaged_study(breast_campaign)
    sign_read(first, slot_of(study), password=PASSWORD, opinion=breast_opinion())
    sign_read(second, slot_of(study, ReadRole.SECOND), password=PASSWORD, opinion=breast_opinion())

    response = client_for(first).get(reverse("reading:history"))

    assert response.context["agreement"].paired == 1
    assert "100% (1 of 1 double reads)" in response.content.decode()


def test_ai_is_hidden_while_reading_when_the_campaign_reads_unaided_first(db):
    campaign = CampaignFactory(
        programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE, ai_shown_to_readers=False
    )
    rad = reader("unaided", campaign)
    slot = slot_of(imaged_study(campaign, score=0.9, band="high"))

    page = client_for(rad).get(reverse("reading:read", args=[slot.pk])).content.decode()

    assert 'id="ai-hidden"' in page and "reads unaided first" in page
    assert 'name="ai_agreement"' not in page


def test_the_worklist_of_an_unaided_campaign_shows_no_ai_band_or_score(db):
    campaign = CampaignFactory(
        programme=programme("breast"), reading_policy=ReadingPolicy.SINGLE, ai_shown_to_readers=False
    )
    rad = reader("unaided_list", campaign)
    slot = slot_of(imaged_study(campaign, score=0.9123, band="high"))

    page = client_for(rad).get(reverse("reading:worklist")).content.decode()

    row = page[page.index(f'data-slot="{slot.pk}"') :].split("</tr>")[0]
    assert "read unaided" in row
    assert "data-band" not in row and not shows_figure(row, "0.912") and "High" not in row


def test_report_shows_identifiers_to_coordinators_and_hides_them_from_auditors(
    breast_campaign, first, second
):
    study = imaged_study(breast_campaign)
    sign_read(first, slot_of(study), password=PASSWORD, opinion=breast_opinion())
    sign_read(second, slot_of(study, ReadRole.SECOND), password=PASSWORD, opinion=breast_opinion())
    url = reverse("reading:report", args=[study.episode_id])
    patient = study.episode.patient
    coordinator = Client()
    coordinator.force_login(UserFactory(username="coord", role=Role.COORDINATOR))
    auditor = Client()
    auditor.force_login(UserFactory(username="aud", role=Role.AUDITOR))

    shown = coordinator.get(url).content.decode()
    hidden = without_tokens(auditor.get(url).content.decode())

    assert patient.identifier in shown and patient.family_name.upper() in shown
    assert "Routine recall" in hidden and "Concordant double reading" in hidden
    assert patient.identifier not in hidden and patient.family_name.upper() not in hidden


def test_no_report_before_the_reads_decide(breast_campaign, first):
    study = imaged_study(breast_campaign)
    sign_read(first, slot_of(study), password=PASSWORD, opinion=breast_opinion())

    assert client_for(first).get(reverse("reading:report", args=[study.episode_id])).status_code == 404


def test_worklist_link_is_in_the_navigation_for_readers_only(breast_campaign, first):
    page = client_for(first).get(reverse("home")).content.decode()
    assert f'href="{reverse("reading:worklist")}"' in page
    auditor = Client()
    auditor.force_login(UserFactory(username="aud", role=Role.AUDITOR))
    assert f'href="{reverse("reading:worklist")}"' not in auditor.get(reverse("home")).content.decode()


@pytest.mark.usefixtures("media_in_tmp")
def test_a_lung_ct_read_scrolls_slices_and_asks_one_lung_rads_category(db):
    campaign = CampaignFactory(programme=programme("lung"), reading_policy=ReadingPolicy.SINGLE)
    rad = reader("chest", campaign)
    episode = EpisodeFactory(campaign=campaign, status=EpisodeStatus.IMAGED)
    Episode.objects.filter(pk=episode.pk).update(imaged_at=episode.status_changed_at)
    instance = store_instance(with_fresh_uids(sample_dataset("CT_small.dcm")))
    Study.objects.filter(pk=instance.series.study_id).update(
        patient=episode.patient, episode=episode, match_status=StudyMatch.MATCHED
    )
    (slot,) = read_slots_open(
        actor=Actor.system("test"), study=Study.objects.get(pk=instance.series.study_id)
    )
    client = client_for(rad)

    page = client.get(reverse("reading:read", args=[slot.pk])).content.decode()

    assert 'id="stack-image"' in page and 'name="category_study"' in page
    assert 'name="finding-0-lobe"' in page and 'name="finding-0-quadrant"' not in page
    frame = client.get(reverse("imaging:frame_png", args=[instance.pk, 0]), {"window": "lung"})
    assert frame.status_code == 200 and frame["Content-Type"] == "image/png"
    signed = client.post(
        reverse("reading:sign", args=[slot.pk]),
        {
            "result": "recall",
            "category_study": "4A",
            "password": PASSWORD,
            "finding-TOTAL_FORMS": "1",
            "finding-INITIAL_FORMS": "0",
            "finding-0-category": "4A",
            "finding-0-lobe": "RUL",
            "finding-0-size_mm": "9.5",
            "finding-0-nodule_type": "solid",
        },
    )
    assert signed.status_code == 302
    finding = ReadOpinion.objects.get(slot=slot).findings.get()
    assert (finding.lobe, finding.size_mm, finding.nodule_type) == ("RUL", 9.5, "solid")
