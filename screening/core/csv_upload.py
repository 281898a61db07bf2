"""The CSV file an import page's upload form posts (`csv_file`), handed to the import's preview."""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

Preview = TypeVar("Preview")


def uploaded_csv_preview(
    request: HttpRequest, preview: Callable[[UploadedFile], Preview]
) -> tuple[Preview | None, list[str]]:
    """The preview of the posted CSV file, or None and the problems that refused it (no file, or
    the preview service's validation errors)."""
    upload = request.FILES.get("csv_file")
    if upload is None:
        return None, ["Choose a CSV file to upload."]
    try:
        return preview(upload), []
    except ValidationError as error:
        return None, error.messages
