"""Reconciliation tells later stages when a coordinator detaches a study from its episode.

``study_detaching`` is sent inside the detach's transaction (kwargs: ``actor``, ``study_id``,
``episode_id``), before anything is changed: a receiver that must refuse the detach (reading, once
a read of the study is signed) raises ``ValidationError`` and nothing is stored; the others stop
what the study started (open reads, queued AI jobs) together with the detach, or not at all.
"""

from django.dispatch import Signal

study_detaching = Signal()
