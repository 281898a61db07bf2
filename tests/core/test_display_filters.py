"""The display filters: DICOM dates and times, and durations, as a person reads them."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from screening.core.templatetags.display import dicom_date, dicom_time, duration, excluding, in_time_order


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("141413", "14:14:13"),
        ("141413.064641", "14:14:13"),
        ("0905", "09:05"),
        ("09", "09:00"),
        ("14:14:13", "14:14:13"),  # the old ACR-NEMA form
        (" 235959 ", "23:59:59"),
        ("", ""),
        (None, ""),
        ("noon", "noon"),  # not a DICOM time: shown as sent rather than hidden
        ("246000", "246000"),
    ],
)
def test_a_dicom_time_shows_as_hours_minutes_seconds(value, shown):
    assert dicom_time(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("20240315", "2024-03-15"),
        ("2024.03.15", "2024-03-15"),
        (date(2024, 3, 15), "2024-03-15"),
        ("", ""),
        (None, ""),
        ("20241399", "20241399"),
    ],
)
def test_a_dicom_date_shows_as_a_date(value, shown):
    assert dicom_date(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (timedelta(minutes=13, seconds=52, microseconds=64641), "13 min 52 s"),
        (timedelta(seconds=45.7), "45 s"),
        (timedelta(0), "0 s"),
        (timedelta(hours=2, minutes=5, seconds=9), "2 h 5 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(days=1, hours=4, minutes=30), "1 d 4 h"),
        (timedelta(days=12), "12 d"),
        (832, "13 min 52 s"),
        (59.9, "59 s"),
        (None, ""),
        ("", ""),
        (timedelta(seconds=-90), "-1 min 30 s"),
    ],
)
def test_a_duration_shows_its_two_largest_units(value, shown):
    assert duration(value) == shown


def test_the_filters_work_in_templates_and_leave_room_for_a_default():
    template = Template(
        "{% load display %}{{ t|dicom_time }} {{ d|dicom_date }} {{ gap|duration }} "
        "{{ none|duration|default:'-' }}"
    )

    rendered = template.render(Context({"t": "141413", "d": "20240315", "gap": timedelta(seconds=832)}))

    assert rendered == "14:14:13 2024-03-15 13 min 52 s -"


def _event(minute: int, label: str) -> SimpleNamespace:
    return SimpleNamespace(occurred_at=timedelta(minutes=minute), label=label)


def test_two_histories_are_merged_in_time_order_oldest_first():
    statuses = [_event(1, "imaged"), _event(9, "result issued")]
    steps = [SimpleNamespace(event=_event(3, "claimed")), SimpleNamespace(event=_event(5, "signed"))]

    merged = in_time_order(statuses, steps)

    labels = [getattr(item, "label", None) or item.event.label for item in merged]
    assert labels == ["imaged", "claimed", "signed", "result issued"]


def test_excluding_leaves_out_the_items_with_the_given_attributes():
    opinions = [SimpleNamespace(slot_id=1), SimpleNamespace(slot_id=2), SimpleNamespace(slot_id=1)]

    assert excluding(opinions, slot_id=1) == [opinions[1]]
    assert excluding([], slot_id=1) == []
