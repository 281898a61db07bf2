"""Reading API: the worklist, claiming, signing and amending reads, arbitrations and episode reports.

Thin views over the same selectors and services as the reading pages.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from screening.core.actors import Actor
from screening.core.api_errors import ServiceErrorsMixin, validated_input
from screening.reading import signoff_services, slot_services
from screening.reading.api.serializers import (
    AmendmentInput,
    EpisodeReportOutput,
    OpinionInputSerializer,
    OpinionOutput,
    ReadSlotOutput,
    SkipInput,
    StudyReadsOutput,
    WorklistFilterInput,
    WorklistPageOutput,
    opinion_from,
)
from screening.reading.arbitration_selectors import arbitration_list
from screening.reading.read_selectors import episode_report, read_slot_get, study_reads_for_reader
from screening.reading.worklist_selectors import (
    WorklistFilters,
    reader_campaigns,
    worklist_band_counts,
    worklist_page,
)

WORKLIST = "reading.view_worklist"
SIGN = "reading.sign_read"


class OnePageSchema(AutoSchema):
    """The worklist's list answers one page object (results, next_cursor, counts), not an array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


@extend_schema(tags=["reading"])
class WorklistViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """The reader's worklist in AI triage order, one keyset page at a time."""

    schema = OnePageSchema()
    required_permissions = {"list": WORKLIST}
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(parameters=[WorklistFilterInput], responses=WorklistPageOutput)
    def list(self, request: Request) -> Response:
        """Reads awaiting this reader: band, score, waiting time; pass next_cursor for the next page."""
        query = validated_input(WorklistFilterInput, request.query_params)
        actor = Actor.from_request(request)
        campaigns = reader_campaigns(actor=actor)  # once: the page and the counts share it
        cursor, page_size = query.pop("cursor"), query.pop("page_size")
        filters = WorklistFilters(**query)
        page = worklist_page(
            actor=actor, filters=filters, cursor=cursor, page_size=page_size, campaigns=campaigns
        )
        counts = worklist_band_counts(actor=actor, filters=filters, campaigns=campaigns)
        return Response(
            WorklistPageOutput(
                {
                    "entries": page.entries,
                    "next_cursor": page.next_cursor,
                    "counts": {band: count.n for band, count in counts.items()},
                    "counts_more": {band: count.more for band, count in counts.items()},
                }
            ).data
        )


@extend_schema(tags=["reading"])
class ArbitrationViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """Discordant studies waiting for a third reader."""

    required_permissions = {"list": WORKLIST}
    filter_backends: list[Any] = []

    @extend_schema(responses=ReadSlotOutput(many=True))
    def list(self, request: Request) -> Response:
        """Arbitrations waiting in the reader's campaigns, oldest first (not those of studies they read)."""
        page = self.paginate_queryset(arbitration_list(actor=Actor.from_request(request)))
        return self.get_paginated_response(ReadSlotOutput(page, many=True).data)


@extend_schema(tags=["reading"])
class ReadSlotViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """One read: what its reader may see, claiming, releasing, skipping, signing and amending."""

    required_permissions = {
        "retrieve": WORKLIST,
        "claim": SIGN,
        "release": SIGN,
        "skip": SIGN,
        "sign": SIGN,
        "amend": SIGN,
    }
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    @extend_schema(responses=StudyReadsOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """The read and the opinions its reader may see (none of the other reader's before both signed)."""
        actor = Actor.from_request(request)
        slot = read_slot_get(actor=actor, slot_id=pk)
        reads = study_reads_for_reader(actor=actor, slot=slot)
        # Served to its claimant: the server records whether the AI was shown; signing takes that.
        slot_services.read_slot_served(actor=actor, slot=slot, ai_shown=reads.ai_visible)
        return Response(StudyReadsOutput(reads).data)

    @extend_schema(request=None, responses=ReadSlotOutput)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: int) -> Response:
        """Open the read: it is yours for 20 minutes (claiming again extends it)."""
        actor = Actor.from_request(request)
        slot = slot_services.read_slot_claim(actor=actor, slot=read_slot_get(actor=actor, slot_id=pk))
        return Response(ReadSlotOutput(slot).data)

    @extend_schema(request=None, responses=ReadSlotOutput)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: int) -> Response:
        """Give the read back to the worklist."""
        actor = Actor.from_request(request)
        slot = slot_services.read_slot_release(actor=actor, slot=read_slot_get(actor=actor, slot_id=pk))
        return Response(ReadSlotOutput(slot).data)

    @extend_schema(request=SkipInput, responses={204: None})
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk: int) -> Response:
        """Pass on the study with a reason; it leaves your worklist."""
        actor = Actor.from_request(request)
        slot = read_slot_get(actor=actor, slot_id=pk)
        reason = validated_input(SkipInput, request.data)["reason"]
        slot_services.read_slot_skip(actor=actor, slot=slot, reason=reason)
        return Response(status=204)

    @extend_schema(request=OpinionInputSerializer, responses={201: OpinionOutput})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: int) -> Response:
        """Sign a structured opinion with your password; it is locked once signed."""
        actor = Actor.from_request(request)
        slot = read_slot_get(actor=actor, slot_id=pk)
        data = validated_input(OpinionInputSerializer, request.data)
        signed = signoff_services.read_sign(
            actor=actor, slot=slot, password=data["password"], opinion=opinion_from(data)
        )
        return Response(OpinionOutput(signed).data, status=201)

    @extend_schema(request=AmendmentInput, responses={201: OpinionOutput})
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: int) -> Response:
        """Amend your signed read: a new version with a reason; the episode result is recomputed."""
        actor = Actor.from_request(request)
        slot = read_slot_get(actor=actor, slot_id=pk)
        data = validated_input(AmendmentInput, request.data)
        amended = signoff_services.read_amend(
            actor=actor,
            slot=slot,
            password=data["password"],
            opinion=opinion_from(data),
            reason=data["reason"],
        )
        return Response(OpinionOutput(amended).data, status=201)


@extend_schema(tags=["reading"])
class EpisodeReportViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """The signed result of an episode, by episode id."""

    required_permissions = {"retrieve": "reading.view_read_report"}
    lookup_value_converter = "int"
    filter_backends: list[Any] = []

    @extend_schema(responses=EpisodeReportOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        """The episode's result, its decisions and every signed version of its reads; 404 before decided."""
        report = episode_report(actor=Actor.from_request(request), episode_id=pk)
        return Response(EpisodeReportOutput(report).data)
