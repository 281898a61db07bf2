"""Campaign, episode and programme API, through the same selectors and services as the pages."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from screening.campaigns import campaign_services, episode_services
from screening.campaigns.api.serializers import (
    CampaignCreateInput,
    CampaignDetailOutput,
    CampaignFilterInput,
    CampaignOutput,
    CampaignSettingsInput,
    CampaignStatusInput,
    EpisodeDetailOutput,
    EpisodeFilterInput,
    EpisodeOutput,
    EpisodeTransitionInput,
    InvitationInput,
    InvitationOutput,
    ProgrammeOutput,
    StaffInput,
)
from screening.campaigns.campaign_selectors import (
    campaign_cohort,
    campaign_get,
    campaign_list,
    episode_get,
    episode_list,
    programme_get,
    programme_list,
)
from screening.campaigns.campaign_settings_services import campaign_settings_update
from screening.core.actors import Actor
from screening.core.api_errors import ServiceErrorsMixin, validated_input
from screening.patients.api.serializers import PatientSummaryOutput


@extend_schema(tags=["programmes"])
class ProgrammeViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """The screening programmes: modality, eligibility, interval, views and result categories."""

    required_permissions = {"list": "campaigns.view_campaign", "retrieve": "campaigns.view_campaign"}
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    @extend_schema(responses=ProgrammeOutput(many=True))
    def list(self, request: Request) -> Response:
        """Every screening programme."""
        page = self.paginate_queryset(programme_list())
        return self.get_paginated_response(ProgrammeOutput(page, many=True).data)

    @extend_schema(responses=ProgrammeOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """One screening programme."""
        return Response(ProgrammeOutput(programme_get(programme_id=pk)).data)


@extend_schema(tags=["campaigns"])
class CampaignViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Campaigns in the user's scope: coordinators see all, radiologists their assigned ones."""

    required_permissions = {
        "list": "campaigns.view_campaign",
        "retrieve": "campaigns.view_campaign",
        "create": "campaigns.add_campaign",
        "partial_update": "campaigns.change_campaign",
        "set_status": "campaigns.change_campaign",
        "assign_staff": "campaigns.change_campaign",
        # The cohort is a list of participants not yet in any campaign: coordinators only.
        "eligible": "campaigns.change_campaign",
        "invite": "campaigns.change_campaign",
    }
    lookup_value_converter = "int"
    filter_backends: list[Any] = []  # filters are an input serializer passed to the selector

    @extend_schema(parameters=[CampaignFilterInput], responses=CampaignOutput(many=True))
    def list(self, request: Request) -> Response:
        """Campaigns, newest first, by status and programme."""
        filters = validated_input(CampaignFilterInput, request.query_params)
        campaigns = campaign_list(actor=Actor.from_request(request), **filters)
        page = self.paginate_queryset(campaigns)
        return self.get_paginated_response(CampaignOutput(page, many=True).data)

    @extend_schema(request=CampaignCreateInput, responses={201: CampaignDetailOutput})
    def create(self, request: Request) -> Response:
        """Create a campaign, in draft."""
        details = validated_input(CampaignCreateInput, request.data)
        campaign = campaign_services.campaign_create(actor=Actor.from_request(request), **details)
        return Response(CampaignDetailOutput(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=CampaignDetailOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """One campaign with its assigned staff and funnel counts."""
        campaign = campaign_get(actor=Actor.from_request(request), campaign_id=pk)
        return Response(CampaignDetailOutput(campaign).data)

    @extend_schema(request=CampaignSettingsInput, responses=CampaignDetailOutput)
    def partial_update(self, request: Request, pk: int) -> Response:
        """Change the reading policy, AI thresholds, AI display, expected prevalence or staff (those sent).

        Episodes already imaged keep the settings they recorded; each change is kept in the
        campaign's settings history and audited. PUT is not offered: send what changes.
        """
        actor = Actor.from_request(request)
        campaign = campaign_get(actor=actor, campaign_id=pk)
        changes = validated_input(CampaignSettingsInput, request.data, partial=True)
        campaign = campaign_settings_update(actor=actor, campaign=campaign, **changes)
        return Response(CampaignDetailOutput(campaign).data)

    @extend_schema(request=CampaignStatusInput, responses=CampaignDetailOutput)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request: Request, pk: int) -> Response:
        """Open a draft campaign, or close an open one."""
        actor = Actor.from_request(request)
        campaign = campaign_get(actor=actor, campaign_id=pk)
        change = validated_input(CampaignStatusInput, request.data)
        campaign = campaign_services.campaign_set_status(
            actor=actor, campaign=campaign, status=change["status"]
        )
        return Response(CampaignDetailOutput(campaign).data)

    @extend_schema(request=StaffInput, responses=CampaignDetailOutput)
    @action(detail=True, methods=["post"], url_path="staff", url_name="staff")
    def assign_staff(self, request: Request, pk: int) -> Response:
        """Set the readers and coordinators assigned to the campaign."""
        actor = Actor.from_request(request)
        campaign = campaign_get(actor=actor, campaign_id=pk)
        staff = validated_input(StaffInput, request.data)
        campaign = campaign_services.campaign_assign_staff(
            actor=actor, campaign=campaign, users=staff["staff"]
        )
        return Response(CampaignDetailOutput(campaign).data)

    @extend_schema(responses=PatientSummaryOutput(many=True))
    @action(detail=True, methods=["get"])
    def eligible(self, request: Request, pk: int) -> Response:
        """The participants the campaign should invite, judged on its start date."""
        actor = Actor.from_request(request)
        campaign = campaign_get(actor=actor, campaign_id=pk)
        page = self.paginate_queryset(campaign_cohort(actor=actor, campaign=campaign))
        return self.get_paginated_response(PatientSummaryOutput(page, many=True).data)

    @extend_schema(request=InvitationInput, responses={201: InvitationOutput})
    @action(detail=True, methods=["post"], url_path="invitations", url_name="invitations")
    def invite(self, request: Request, pk: int) -> Response:
        """Invite chosen eligible participants, or all of them; one ineligible id refuses all."""
        actor = Actor.from_request(request)
        campaign = campaign_get(actor=actor, campaign_id=pk)
        invitation = validated_input(InvitationInput, request.data)
        chosen = None if invitation["all"] else invitation["patient_ids"]
        invited = campaign_services.cohort_invite(actor=actor, campaign=campaign, patient_ids=chosen)
        return Response(InvitationOutput({"invited": invited}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["episodes"])
class EpisodeViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Episodes of the campaigns in the user's scope: one participant in one campaign."""

    required_permissions = {
        "list": "campaigns.view_episode",
        "retrieve": "campaigns.view_episode",
        "transition": "campaigns.change_episode",
    }
    lookup_value_converter = "int"
    filter_backends: list[Any] = []  # filters are an input serializer passed to the selector

    @extend_schema(parameters=[EpisodeFilterInput], responses=EpisodeOutput(many=True))
    def list(self, request: Request) -> Response:
        """Episodes by campaign, status and participant; audited."""
        filters = validated_input(EpisodeFilterInput, request.query_params)
        episodes = episode_list(actor=Actor.from_request(request), **filters)
        page = self.paginate_queryset(episodes)
        return self.get_paginated_response(EpisodeOutput(page, many=True).data)

    @extend_schema(responses=EpisodeDetailOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """One episode with its status history; the view is audited."""
        episode = episode_get(actor=Actor.from_request(request), episode_id=pk)
        return Response(EpisodeDetailOutput(episode).data)

    @extend_schema(request=EpisodeTransitionInput, responses=EpisodeDetailOutput)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: int) -> Response:
        """Move the episode one step along the pathway; illegal steps are refused."""
        actor = Actor.from_request(request)
        episode = episode_get(actor=actor, episode_id=pk)
        step = validated_input(EpisodeTransitionInput, request.data)
        episode = episode_services.episode_transition(actor=actor, episode=episode, **step)
        return Response(EpisodeDetailOutput(episode).data)
