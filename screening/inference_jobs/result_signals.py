"""The jobs app tells later stages that a study has a new AI result.

``ai_result_stored`` is sent inside the storing transaction (kwargs: ``study_id``, ``result_id``), so
what a receiver derives from the result (e.g. the worklist's triage order) is written with it.
"""

from django.dispatch import Signal

ai_result_stored = Signal()
