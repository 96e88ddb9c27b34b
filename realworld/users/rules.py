"""What makes a username or an avatar URL acceptable: one definition for the API and the web.

Validators raise Django's ValidationError, which DRF serializers and Django forms both report
as a field error.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from realworld.common import messages

# http(s) only: an avatar is rendered as <img src>, so no javascript:, data: or file: URLs.
_image_url = URLValidator(schemes=["http", "https"], message=messages.INVALID)


def validate_username(value: str) -> None:
    # Usernames are path segments (/profile/<username>, /api/profiles/<username>).
    if "/" in value or any(not ch.isprintable() for ch in value):
        raise ValidationError("can't contain '/' or control characters", code="invalid")


def validate_image_url(value: str | None) -> None:
    if value:
        _image_url(value)
