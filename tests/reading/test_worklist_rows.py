"""The worklist row tag: what a row shows, escaped, for the reader and the campaign's AI display."""

from datetime import timedelta

from django.template.defaultfilters import floatformat
from django.utils import timezone

from screening.reading.models import ReadSlot
from screening.reading.templatetags.worklist_rows import ai_score_shown, worklist_row
from screening.reading.worklist_selectors import worklist_page
from tests.reading.conftest import imaged_study, slot_of


def only_row(actor) -> str:
    (entry,) = worklist_page(actor=actor).entries
    return str(worklist_row(entry, 14))


def test_a_row_shows_band_score_participant_and_waiting_time_escaped(breast_campaign, readers):
    study = imaged_study(breast_campaign, days_waiting=1, score=0.91234, band="high")
    study.patient.family_name, study.patient.given_name = "O'Brien", "<b>Ann</b>"
    study.patient.save(update_fields=["family_name", "given_name"])

    row = only_row(readers[0])

    assert f'data-slot="{slot_of(study).pk}" data-band="high"' in row
    assert '<span class="badge band-high">High</span>' in row and "<td>0.912</td>" in row
    assert "O&#x27;BRIEN, &lt;b&gt;Ann&lt;/b&gt;" in row and "<b>" not in row
    assert f"<td>{breast_campaign.name}</td><td>First reader</td><td>1 day</td>" in row
    assert "overdue" not in row and ">Read</a>" in row


def test_an_overdue_read_without_an_ai_result_claimed_by_me_says_so(breast_campaign, readers):
    study = imaged_study(breast_campaign, days_waiting=20)
    ReadSlot.objects.filter(pk=slot_of(study).pk).update(
        claimed_by=readers[0].user, claim_expires_at=timezone.now() + timedelta(hours=1)
    )

    row = only_row(readers[0])

    assert 'class="worklist-row overdue"' in row and "20 days · overdue" in row
    assert "no AI result" in row and "<td>-</td>" in row
    assert ">Continue</a>" in row


def test_a_score_is_written_as_floatformat_writes_it_to_three_places():
    scores = [0.0, 1.0, 0.1235, 0.0005, 0.0004999, 1e-7, 0.9995, 0.99951, 0.5, 0.12345, 2.5e-4, 1 / 3]
    scores += [(n / 9973) ** power for n in range(9973) for power in (1, 3)]

    assert [ai_score_shown(score) for score in scores] == [floatformat(score, 3) for score in scores]
