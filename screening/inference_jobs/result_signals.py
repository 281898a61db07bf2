"""The jobs app tells later stages that a study has a new AI result.

``ai_result_stored`` is sent inside the storing transaction, once for the results stored together
(kwargs: ``study_ids`` and ``result_ids``, in the same order), so that what a receiver derives from
them (e.g. the worklist's triage order) is written with them, once per batch.
"""

from django.dispatch import Signal

ai_result_stored = Signal()
