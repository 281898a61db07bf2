"""Show a service's ValidationError on the page: on its form fields, or as a message."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


def message_service_error(request: HttpRequest, error: ValidationError) -> None:
    """Show a service's refusal at the top of the next page (for actions posted from a page)."""
    messages.error(request, " ".join(error.messages))
