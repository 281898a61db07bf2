"""Inputs that name an object by id: whole numbers a database integer column can hold.

A filter such as ``?study=99999999999999999999`` overflowed the database's 64-bit integer (500);
an id field refuses it with a 400 and publishes its bounds in the schema.
"""

from typing import Any

from rest_framework import serializers

MAX_ID = 2**63 - 1


def id_field(**kwargs: Any) -> serializers.IntegerField:
    """An object id: 1 up to the largest 64-bit database integer."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
