"""Celery tasks of the core: the periodic checkpoint of the audit chain (celery beat)."""

from celery import shared_task

from screening.core.audit_services import audit_head_checkpoint


@shared_task(name="core.audit_checkpoint", ignore_result=True)
def audit_checkpoint() -> int:
    """Checkpoint the audit chain's head (so events since the last multiple of
    AUDIT_CHECKPOINT_EVERY are covered too); safe to run twice."""
    return audit_head_checkpoint()
