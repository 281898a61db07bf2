"""What a remote inference worker may read: the instances of its job, with a signed, expiring token.

A dispatch signs, per job attempt, a token naming the job, the attempt and the instances sent
(`job_token_issue`); the message carries it. A worker without the shared media folder fetches each
instance over HTTP with it (`worker_files.py`); `instance_for_worker` lets through only an instance
the token names, of a job still queued or running, before the token expires. The token is an HMAC
(django.core.signing) under INFERENCE_FETCH_KEY (default: SECRET_KEY): the worker holds no key and
no database credentials, and a leaked token reads one study for a bounded time. Reads are audited
as one view of the study per job attempt and hour, as the image viewer's are (study_selectors).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import Http404

from screening.core.actors import Actor
from screening.core.audit_services import audit_record
from screening.core.models import AuditAction, AuditOutcome
from screening.imaging.models import Instance
from screening.imaging.study_selectors import VIEW_AUDIT_SECONDS
from screening.inference_jobs.models import InferenceJob

TOKEN_SALT = "screening.inference_jobs.worker_access"
WORKER_ACTOR = "inference-worker"
# The access rule of the worker's route: the job's token, not a session (core.access).
JOB_TOKEN = "inference job token"


class TokenRefused(Exception):
    """The token is missing, forged, expired, or its job is no longer active."""


@dataclass(frozen=True)
class JobGrant:
    """What a verified token allows: these instances, for this job's attempt."""

    job_id: int
    attempt: int
    instance_ids: frozenset[int]


def job_token_issue(*, job_id: int, attempt: int, instance_ids: list[int]) -> str:
    """A signed token that reads exactly these instances of this job attempt until it expires."""
    payload = {"job": job_id, "attempt": attempt, "instances": sorted(instance_ids)}
    return signing.dumps(payload, key=_key(), salt=TOKEN_SALT, compress=True)


def job_token_read(token: str) -> JobGrant:
    """The grant of a token, or TokenRefused when it is forged, malformed or expired."""
    try:
        payload = signing.loads(
            token, key=_key(), salt=TOKEN_SALT, max_age=settings.INFERENCE_FETCH_TOKEN_SECONDS
        )
        return JobGrant(
            job_id=int(payload["job"]),
            attempt=int(payload["attempt"]),
            instance_ids=frozenset(int(pk) for pk in payload["instances"]),
        )
    except signing.SignatureExpired as error:
        raise TokenRefused("token expired") from error
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise TokenRefused("token invalid") from error


def instance_for_worker(*, token: str, job_id: int, instance_id: int, ip_address: str | None) -> Instance:
    """The instance a worker asks for, if its token grants it; audited (refusals each time)."""
    actor = Actor(user=None, role=None, ip_address=ip_address, system_name=WORKER_ACTOR)
    try:
        grant = job_token_read(token)
        if grant.job_id != job_id:
            raise TokenRefused("token of another job")
        job = InferenceJob.objects.filter(pk=job_id).only("status", "study_id").first()
        if job is None or not job.is_active:
            raise TokenRefused("job not active")
    except TokenRefused as refused:
        _denied(actor, job_id, instance_id, str(refused))
        raise
    instance = None
    if instance_id in grant.instance_ids:
        instance = Instance.objects.filter(pk=instance_id, series__study_id=job.study_id).first()
    if instance is None:
        _denied(actor, job_id, instance_id, "instance not granted")
        raise Http404("No such image for this job.")
    if cache.add(f"inference_jobs:worker-read:{job_id}:{grant.attempt}", True, VIEW_AUDIT_SECONDS):
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="study",
            object_id=job.study_id,
            detail={"inference_job": job_id, "attempt": grant.attempt, "images": len(grant.instance_ids)},
        )
    return instance


def _denied(actor: Actor, job_id: int, instance_id: int, reason: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="inference_job",
        object_id=job_id,
        outcome=AuditOutcome.DENIED,
        detail={"instance": instance_id, "reason": reason},
    )


def _key() -> str:
    return str(settings.INFERENCE_FETCH_KEY or settings.SECRET_KEY)
