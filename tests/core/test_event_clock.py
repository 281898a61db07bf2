"""The event clock: the wall clock, except inside `events_dated`, which refuses naive or future times."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from screening.core.event_clock import event_now, events_dated


def test_events_happen_now_outside_a_dated_block_and_at_its_time_inside():
    past = timezone.now() - timedelta(days=900)
    with events_dated(past):
        assert event_now() == past
        with events_dated(past + timedelta(hours=1)):
            assert event_now() == past + timedelta(hours=1)
        assert event_now() == past
    assert abs(event_now() - timezone.now()) < timedelta(seconds=5)


def test_a_simulated_time_is_timezone_aware_and_not_in_the_future():
    with pytest.raises(ValueError, match="timezone-aware"), events_dated(datetime(2024, 1, 1)):
        pass
    with pytest.raises(ValueError, match="future"), events_dated(timezone.now() + timedelta(days=1)):
        pass
    assert abs(event_now() - timezone.now()) < timedelta(seconds=5)
