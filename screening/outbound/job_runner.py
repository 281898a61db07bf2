"""Running one outbound job: take it (lease), check it may be sent, build its objects, C-STORE
them, and record the outcome: sent, withheld, a retry after a backoff, or dead at the cap.

Safe to run twice: a job not due, or taken by another worker, is left alone; a PACS stores an
object sent again under the same SOP Instance UID once. A batch of jobs (`jobs_send`) shares one
association per destination; each job is still taken, checked, sent and recorded on its own.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome
from screening.outbound.dicom_sender import Peer, SendError, StoreSession
from screening.outbound.job_services import OUTBOUND_JOB, SYSTEM_ACTOR, job_dispatch_later, job_event
from screening.outbound.models import OutboundJob, OutboundStatus
from screening.outbound.outbound_objects import NothingToSend, job_objects
from screening.outbound.send_gates import send_refusal

DUE_STATUSES = (OutboundStatus.QUEUED, OutboundStatus.RETRY_WAIT)
# A sending job whose worker has not finished within this is taken back by the sweeper (that
# attempt counts); far above an association's timeouts (dicom_sender.TIMEOUT_SECONDS).
LEASE_SECONDS = 600

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> float:
    """Exponential backoff after the `attempts`-th failure, capped."""
    base = settings.OUTBOUND_RETRY_BACKOFF_SECONDS
    return float(min(base * 2 ** max(attempts - 1, 0), settings.OUTBOUND_RETRY_BACKOFF_MAX_SECONDS))


def jobs_send(*, job_ids: Iterable[int]) -> list[str | None]:
    """Send each due job of a batch, over one association per destination; their statuses after.
    A job that breaks on something other than the database is left to its lease (the sweeper
    takes it back) and the batch goes on."""
    statuses: list[str | None] = []
    with StoreSession() as session:
        for job_id in job_ids:
            try:
                statuses.append(job_send(job_id=job_id, session=session))
            except DatabaseError:
                raise
            except Exception:
                logger.exception("outbound job %s: the send broke; the sweeper takes it back", job_id)
                statuses.append(None)
    return statuses


def job_send(*, job_id: int, session: StoreSession | None = None) -> str | None:
    """Send one due job; returns its status afterwards (None when it was not due or not there).
    With `session`, over its association to the destination; else over one of the job's own."""
    if session is None:
        with StoreSession() as own:
            return job_send(job_id=job_id, session=own)
    job = _job_take(job_id)
    if job is None:
        return None
    refusal = send_refusal(study=job.study, payload=job.payload)
    if refusal is not None:
        return _job_withhold(job, refusal)
    try:
        datasets = job_objects(job)
    except NothingToSend as nothing:
        return _job_withhold(job, str(nothing))
    destination = job.destination
    try:
        stored = session.store(Peer(destination.ae_title, destination.host, destination.port), datasets)
    except (SendError, OSError, RuntimeError) as error:
        return _job_failed(job, f"{type(error).__name__}: {error}")
    return _job_sent(job, stored)


@transaction.atomic
def _job_take(job_id: int) -> OutboundJob | None:
    job = (
        OutboundJob.objects.select_for_update(of=("self",))
        .select_related("destination", "study__episode")
        .filter(pk=job_id)
        .first()
    )
    now = timezone.now()
    if job is None or job.status not in DUE_STATUSES or job.next_attempt_at > now:
        return None
    previous = job.status
    job.status, job.attempts = OutboundStatus.SENDING, job.attempts + 1
    job.lease_expires_at = now + timedelta(seconds=LEASE_SECONDS)
    job.save(update_fields=["status", "attempts", "lease_expires_at", "updated_at"])
    job_event(job, previous, OutboundStatus.SENDING, note=f"attempt {job.attempts}")
    return job


def _locked(job: OutboundJob) -> OutboundJob | None:
    """The job again, locked, if it is still this attempt's (the sweeper may have taken it back)."""
    current = OutboundJob.objects.select_for_update().filter(pk=job.pk).first()
    if current is None or current.status != OutboundStatus.SENDING or current.attempts != job.attempts:
        return None
    return current


@transaction.atomic
def _job_sent(job: OutboundJob, stored: list[str]) -> str | None:
    current = _locked(job)
    if current is None:
        return None
    current.status, current.sent_at, current.lease_expires_at = OutboundStatus.SENT, timezone.now(), None
    current.sop_instance_uids, current.error = stored, ""
    current.save(
        update_fields=["status", "sent_at", "lease_expires_at", "sop_instance_uids", "error", "updated_at"]
    )
    job_event(current, OutboundStatus.SENDING, OutboundStatus.SENT, note=f"{len(stored)} objects stored")
    # Patient data left for another system: which study, where, what (ids and UIDs, no names).
    audit_record(
        actor=SYSTEM_ACTOR,
        action=AuditAction.EXPORT,
        object_type=OUTBOUND_JOB,
        object_id=current.pk,
        detail={
            "study": current.study_id,
            "destination": current.destination_id,
            "payload": current.payload,
            "objects": len(stored),
        },
    )
    return current.status


@transaction.atomic
def _job_withhold(job: OutboundJob, reason: str) -> str | None:
    current = _locked(job)
    if current is None:
        return None
    current.status, current.lease_expires_at, current.error = OutboundStatus.WITHHELD, None, reason
    current.save(update_fields=["status", "lease_expires_at", "error", "updated_at"])
    job_event(current, OutboundStatus.SENDING, OutboundStatus.WITHHELD, note=reason)
    audit_record(
        actor=SYSTEM_ACTOR,
        action=AuditAction.EXPORT,
        object_type=OUTBOUND_JOB,
        object_id=current.pk,
        outcome=AuditOutcome.DENIED,
        detail={"study": current.study_id, "destination": current.destination_id, "payload": current.payload},
    )
    return current.status


@transaction.atomic
def _job_failed(job: OutboundJob, error: str) -> str | None:
    current = _locked(job)
    if current is None:
        return None
    current.lease_expires_at, current.error = None, error[:4000]
    if current.attempts >= current.max_attempts:
        current.status = OutboundStatus.DEAD
        note = f"attempt {current.attempts} failed; no attempts left: {error}"
    else:
        current.status = OutboundStatus.RETRY_WAIT
        current.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(current.attempts))
        note = f"attempt {current.attempts} failed; retry at {current.next_attempt_at:%H:%M:%S}: {error}"
        job_dispatch_later(job_id=current.pk, at=current.next_attempt_at)
    current.save(update_fields=["status", "lease_expires_at", "error", "next_attempt_at", "updated_at"])
    job_event(current, OutboundStatus.SENDING, current.status, note=note)
    return current.status
