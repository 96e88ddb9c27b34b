"""Helpers every app's services share (the HackSoft Styleguide keeps model_update here too)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, models


def model_update(
    instance: models.Model, *, fields: Iterable[str], data: Mapping[str, Any]
) -> list[str]:
    """Sets each of `fields` that `data` holds with a new value; returns the names it changed.

    Saving is the caller's: it knows what else a change implies (a new slug, a token version).
    """
    changed = []
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    return changed


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint PostgreSQL reported for this IntegrityError, if any."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)
