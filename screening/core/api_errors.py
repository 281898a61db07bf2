"""A service's ValidationError, answered by the API as a 400 with the same messages.

Services raise Django's ValidationError (the pages show it on their forms); DRF only turns its
own ValidationError into a 400, so every API view mixes this in instead of catching by hand.
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import html
from rest_framework.views import APIView


def api_validation_error(error: DjangoValidationError) -> ValidationError:
    """The DRF error for a service's error: per field where it names fields, else non-field."""
    non_field_key = api_settings.NON_FIELD_ERRORS_KEY
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                non_field_key if field == NON_FIELD_ERRORS else field: messages
                for field, messages in error.message_dict.items()
            }
        )
    return ValidationError({non_field_key: error.messages})


class ServiceErrorsMixin(APIView):
    """Put first among an API view's bases: a service's ValidationError becomes a 400 response."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)


_LIST_FIELDS = (serializers.ListField, serializers.ManyRelatedField, serializers.MultipleChoiceField)


def validated_input(
    serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False
) -> dict[str, Any]:
    """An input serializer's validated data, or a 400 with its messages.

    Form-encoded and multipart input (and query strings) mean what the same JSON means: DRF reads
    a list field missing from a form as an empty list, and a missing boolean as false, so a POST
    without ``staff`` cleared every assigned reader. Here a missing field stays missing.
    """
    if html.is_html_input(data):
        data = _as_sent(serializer_class().fields, data)
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _as_sent(fields: Any, data: Any) -> dict[str, Any]:
    """The fields a form sent, as a dict: lists for list fields, the last value for others."""
    return {
        name: data.getlist(name) if isinstance(fields.get(name), _LIST_FIELDS) else data.get(name)
        for name in data
    }
