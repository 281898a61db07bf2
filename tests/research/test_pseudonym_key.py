"""The pseudonym key: the setting, or one generated once into var/ (never in production)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from screening.research.export_runner import export_run
from screening.research.models import ExportStatus
from screening.research.pseudonym_key import pseudonym_key
from tests.research.conftest import requested


def test_the_setting_is_the_key(settings):
    settings.RESEARCH_PSEUDONYM_KEY = "a-site-secret-of-enough-length"
    assert pseudonym_key() == b"a-site-secret-of-enough-length"


def test_without_a_setting_a_key_is_generated_once_into_var(settings, tmp_path):
    settings.RESEARCH_PSEUDONYM_KEY = ""
    settings.RESEARCH_PSEUDONYM_KEY_FILE = tmp_path / "var" / "research_pseudonym.key"
    first = pseudonym_key()
    assert len(first) == 64 and pseudonym_key() == first
    assert settings.RESEARCH_PSEUDONYM_KEY_FILE.stat().st_mode & 0o777 == 0o600


def test_production_without_a_key_refuses(settings):
    settings.RESEARCH_PSEUDONYM_KEY = ""
    settings.RESEARCH_PSEUDONYM_KEY_FILE = None
    with pytest.raises(ImproperlyConfigured, match="RESEARCH_PSEUDONYM_KEY must be set"):
        pseudonym_key()


@pytest.mark.django_db
def test_an_export_without_a_usable_key_fails_with_the_reason(export_world, coordinator_actor, settings):
    settings.RESEARCH_PSEUDONYM_KEY = "short"
    job = requested(coordinator_actor, export_world.campaign)
    assert export_run(job_id=job.pk) == ExportStatus.FAILED
    job.refresh_from_db()
    assert "at least 16 bytes" in job.error
