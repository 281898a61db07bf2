"""Consent tells the stages that use a participant's data when a consent is withdrawn.

``consent_withdrawn`` is sent inside the withdrawal's transaction (kwargs: ``actor``,
``patient_id``, ``scope``), so whatever a receiver stops (e.g. queued AI jobs) stops together with
the withdrawal, or not at all. Stages still check ``consent_allows`` where they use the data.

``consent_granted`` is sent the same way when a consent is granted (again): stages that hid data
while it stood withdrawn may show it again (e.g. the worklist's AI band).

``patient_opted_out`` is sent the same way when a participant opts out of screening (kwargs:
``actor``, ``patient``): campaigns, which build on patients, move the open episodes out of the
pathway in the same transaction.
"""

from django.dispatch import Signal

consent_withdrawn = Signal()
consent_granted = Signal()
patient_opted_out = Signal()
