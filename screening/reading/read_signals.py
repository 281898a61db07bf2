"""Reading tells later stages that a read was signed or amended.

``read_signed`` is sent inside the signing transaction, after the policy has run (so an issued or
changed episode result is already written), with kwargs ``study_id``, ``episode_id``,
``opinion_id`` and ``amended`` (True for an amendment). Receivers (the outbound results to the
PACS) queue what follows from it in the same transaction.
"""

from django.dispatch import Signal

read_signed = Signal()
