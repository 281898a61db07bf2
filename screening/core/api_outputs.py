"""The base of the API's model outputs: the schema admits the blanks and nulls the model holds.

DRF drops ``allow_blank`` from read-only fields, so a blank choice (an episode's first step has no
``from_status``) was published as outside its enum; an optional email answered blank was published
with ``format: email``. Outputs built on ModelOutput keep what the model allows.
"""

from collections.abc import MutableMapping
from typing import Any

from django.db import models
from rest_framework import serializers


class ModelOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A read-only view of a model whose published schema allows what its columns allow."""

    # A blank email is answered as it is stored: a string, not something checked as an address.
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping}
    serializer_field_mapping[models.EmailField] = serializers.CharField

    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        kept = {name: kwargs[name] for name in ("allow_blank", "allow_null") if kwargs.get(name)}
        return {**super().include_extra_kwargs(kwargs, extra_kwargs), **kept}
