import pytest
import yaml
from django.core.management import call_command


def test_openapi_schema_validates_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))

    paths = yaml.safe_load(schema_file.read_text())["paths"]
    assert {
        "/api/v1/patients/",
        "/api/v1/patients/{id}/",
        "/api/v1/patients/{id}/opt-out/",
        "/api/v1/patients/{id}/consents/",
        "/api/v1/programmes/",
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{id}/",
        "/api/v1/campaigns/{id}/status/",
        "/api/v1/campaigns/{id}/eligible/",
        "/api/v1/campaigns/{id}/invitations/",
        "/api/v1/episodes/",
        "/api/v1/episodes/{id}/",
        "/api/v1/episodes/{id}/transition/",
    } <= set(paths)
    campaign = paths["/api/v1/campaigns/{id}/"]
    assert "patch" in campaign and "put" not in campaign
    settings_input = yaml.safe_load(schema_file.read_text())["components"]["schemas"][
        "PatchedCampaignSettingsInput"
    ]
    assert {"reading_policy", "ai_high_suspicion_threshold", "ai_shown_to_readers", "staff"} <= set(
        settings_input["properties"]
    )


@pytest.mark.django_db
def test_schema_and_docs_pages_are_served_to_signed_in_users_only(client, coordinator_client):
    schema = coordinator_client.get("/api/schema/")
    docs = coordinator_client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/episodes/{id}/transition/" in schema.content
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert client.get("/api/schema/").status_code in (401, 403)
