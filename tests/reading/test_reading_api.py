"""The reading API: worklist pages, claim, blind detail, sign with password, amend, report, schema."""

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from screening.campaigns.models import EpisodeStatus
from screening.reading.models import ReadRole
from tests.reading.conftest import PASSWORD, imaged_study, slot_of

OPINION = {
    "result": "recall",
    "categories": {"R": "4", "L": "1"},
    "findings": [{"category": "4", "side": "R", "clock_face": 10, "depth": "middle"}],
}


def api_for(actor) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=actor.user)
    return client


def test_worklist_pages_with_cursor_and_counts(breast_campaign, readers):
    for score in (0.9, 0.4, 0.05):
        imaged_study(breast_campaign, score=score, band="high" if score > 0.5 else "intermediate")
    client = api_for(readers[0])
    first = client.get("/api/v1/reading/worklist/", {"page_size": 2}).json()
    assert [e["read"]["band"] for e in first["results"]] == ["high", "intermediate"]
    assert first["counts"]["high"] == 1 and first["counts"]["intermediate"] == 2 and first["next_cursor"]
    assert first["counts_more"] == {"high": False, "intermediate": False, "low": False, "none": False}
    second = client.get("/api/v1/reading/worklist/", {"page_size": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["results"]) == 1 and second["next_cursor"] == ""
    assert client.get("/api/v1/reading/worklist/", {"cursor": "junk"}).status_code == 400


def test_a_campaign_read_unaided_shows_no_ai_band_or_score_through_the_api(breast_campaign, readers):
    breast_campaign.ai_shown_to_readers = False
    breast_campaign.save(update_fields=["ai_shown_to_readers"])
    study = imaged_study(breast_campaign, score=0.9, band="high")
    client = api_for(readers[0])
    read = client.get("/api/v1/reading/worklist/").json()["results"][0]["read"]
    assert read["id"] == slot_of(study).pk and (read["band"], read["ai_score"]) == (None, None)
    claimed = client.post(f"/api/v1/reading/reads/{slot_of(study).pk}/claim/").json()
    assert (claimed["band"], claimed["ai_score"]) == (None, None)
    breast_campaign.ai_shown_to_readers = True  # for episodes imaged from now on
    breast_campaign.save(update_fields=["ai_shown_to_readers"])
    later = imaged_study(breast_campaign, score=0.95, band="high")
    reads = {e["read"]["id"]: e["read"] for e in client.get("/api/v1/reading/worklist/").json()["results"]}
    assert (reads[slot_of(later).pk]["band"], reads[slot_of(later).pk]["ai_score"]) == ("high", 0.95)
    # The study imaged before the change keeps reading unaided, as its episode recorded.
    assert (reads[slot_of(study).pk]["band"], reads[slot_of(study).pk]["ai_score"]) == (None, None)


def test_a_worklist_page_costs_the_same_queries_whatever_its_size_and_claims(breast_campaign, readers):
    studies = [imaged_study(breast_campaign, days_waiting=n) for n in range(4)]
    client = api_for(readers[0])
    client.post(f"/api/v1/reading/reads/{slot_of(studies[0]).pk}/claim/")  # shown with its claimant
    url = "/api/v1/reading/worklist/"
    with CaptureQueriesContext(connection) as one_read:
        assert len(client.get(url, {"page_size": 1}).json()["results"]) == 1
    with CaptureQueriesContext(connection) as four_reads:
        page = client.get(url, {"page_size": 4}).json()
    assert len(page["results"]) == 4
    assert {entry["read"]["claimed_by"] for entry in page["results"]} == {readers[0].user.username, None}
    assert len(one_read) == len(four_reads), [q["sql"][:80] for q in four_reads.captured_queries]


def test_claim_sign_blind_detail_amend_and_report(breast_campaign, readers):
    first, second, _ = readers
    study = imaged_study(breast_campaign)
    one, two = api_for(first), api_for(second)
    first_read = slot_of(study, ReadRole.FIRST).pk
    assert one.post(f"/api/v1/reading/reads/{first_read}/claim/").status_code == 200
    assert (
        two.post(
            f"/api/v1/reading/reads/{first_read}/sign/", {**OPINION, "password": PASSWORD}, format="json"
        ).status_code
        == 400
    )  # claimed by reader 1
    wrong = one.post(
        f"/api/v1/reading/reads/{first_read}/sign/", {**OPINION, "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400 and "password" in wrong.json()
    signed = one.post(
        f"/api/v1/reading/reads/{first_read}/sign/", {**OPINION, "password": PASSWORD}, format="json"
    )
    assert signed.status_code == 201, signed.json()
    assert signed.json()["findings"][0]["clock_face"] == 10
    second_read = slot_of(study, ReadRole.SECOND).pk
    assert two.get(f"/api/v1/reading/reads/{second_read}/").json()["visible_opinions"] == []
    assert two.get(f"/api/v1/reading/reports/{study.episode_id}/").status_code == 404  # not decided yet
    assert two.post(f"/api/v1/reading/reads/{second_read}/claim/").status_code == 200
    assert (
        two.post(
            f"/api/v1/reading/reads/{second_read}/sign/", {**OPINION, "password": PASSWORD}, format="json"
        ).status_code
        == 201
    )
    assert len(two.get(f"/api/v1/reading/reads/{second_read}/").json()["visible_opinions"]) == 2
    amended = one.post(
        f"/api/v1/reading/reads/{first_read}/amend/",
        {**OPINION, "categories": {"R": "5", "L": "1"}, "password": PASSWORD, "reason": "Upgraded"},
        format="json",
    )
    assert amended.status_code == 201 and amended.json()["version"] == 2
    report = two.get(f"/api/v1/reading/reports/{study.episode_id}/").json()
    assert report["result"] == "recall" and len(report["opinions"]) == 3
    study.episode.refresh_from_db()
    assert study.episode.status == EpisodeStatus.RESULT_ISSUED


def test_skip_needs_a_reason_and_other_campaigns_reads_are_not_found(breast_campaign, readers):
    from tests.reading.conftest import reader

    study = imaged_study(breast_campaign)
    read = slot_of(study).pk
    client = api_for(readers[0])
    assert client.post(f"/api/v1/reading/reads/{read}/skip/", {}).status_code == 400
    assert (
        client.post(f"/api/v1/reading/reads/{read}/skip/", {"reason": "Conflict of interest"}).status_code
        == 204
    )
    assert api_for(reader("elsewhere")).get(f"/api/v1/reading/reads/{read}/").status_code == 404


def test_schema_has_the_reading_paths(tmp_path):
    # Warnings are tests/api/test_schema.py's concern; here: the reading paths are there and valid.
    schema_file = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--file", str(schema_file))
    text = schema_file.read_text()
    for path in (
        "/api/v1/reading/worklist/",
        "/api/v1/reading/reads/{id}/sign/",
        "/api/v1/reading/reports/{id}/",
    ):
        assert path in text
