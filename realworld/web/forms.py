"""The web app's input validation: Django forms with the API's rules and messages.

Lengths and validators come from the models and `users/rules.py`, messages from
`common/messages.py`, so a browser is told exactly what an API client would be.
"""

import re
from typing import Any

from django import forms

from realworld.articles.models import (
    BODY_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_TAGS,
    SEARCH_MAX_LENGTH,
    TAG_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from realworld.comments.models import COMMENT_MAX_LENGTH
from realworld.common import messages
from realworld.common.exceptions import Messages
from realworld.common.text import text_field_options, validate_not_blank
from realworld.users.models import (
    BIO_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    IMAGE_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_MAX_LENGTH,
)
from realworld.users.rules import validate_image_url, validate_username
from realworld.users.services import user_names_taken


def _text(*, max_length: int, min_length: int | None = None, **kwargs: Any) -> forms.CharField:
    options = text_field_options(
        max_length=max_length, min_length=min_length, validators=kwargs.pop("validators", ())
    )
    return forms.CharField(**options, **kwargs)


def _email(**kwargs: Any) -> forms.EmailField:
    return forms.EmailField(**text_field_options(max_length=EMAIL_MAX_LENGTH), **kwargs)


def _password(**kwargs: Any) -> forms.CharField:
    return _text(
        max_length=PASSWORD_MAX_LENGTH, min_length=PASSWORD_MIN_LENGTH, strip=False, **kwargs
    )


class ConduitForm(forms.Form):
    def error_messages_list(self) -> list[str]:
        """Every error as one sentence, `<field> <message>`, as Conduit lists them."""
        return error_sentences(
            {name: [str(message) for message in found] for name, found in self.errors.items()}
        )


def error_sentences(errors: Messages) -> list[str]:
    return [f"{name} {message}" for name, found in errors.items() for message in found]


class _TakenNames(ConduitForm):
    """Reports a taken username or email beside any other bad field, in one answer."""

    exclude_id: int | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        taken = user_names_taken(
            email=cleaned.get("email") or None,
            username=cleaned.get("username") or None,
            exclude_id=self.exclude_id,
        )
        for name, found in taken.items():
            self.add_error(name, found)
        return cleaned


class RegisterForm(_TakenNames):
    username = _text(max_length=USERNAME_MAX_LENGTH, validators=[validate_username])
    email = _email()
    password = _password()


def search_words(raw: str) -> str:
    """A search as it is run and cached: its spaces collapsed ("" when it has no words)."""
    return " ".join(raw.split())


class SearchForm(ConduitForm):
    """/search?q=: the words to find (none: the page asks for some)."""

    q = _text(max_length=SEARCH_MAX_LENGTH, required=False)

    def words(self) -> str:
        """The search, its spaces collapsed (the form must be valid)."""
        return search_words(self.cleaned_data["q"])


class LoginForm(ConduitForm):
    email = _text(max_length=EMAIL_MAX_LENGTH)
    password = _text(max_length=PASSWORD_MAX_LENGTH, strip=False)


class SettingsForm(_TakenNames):
    image = _text(max_length=IMAGE_MAX_LENGTH, required=False, validators=[validate_image_url])
    username = _text(max_length=USERNAME_MAX_LENGTH, validators=[validate_username])
    bio = _text(max_length=BIO_MAX_LENGTH, required=False)
    email = _email()
    password = _password(required=False)

    def __init__(self, *args: Any, user_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exclude_id = user_id

    def changes(self) -> dict[str, Any]:
        """The services' `data`: empty bio or image stored as null, as the API does."""
        data = dict(self.cleaned_data)
        data["bio"] = data.get("bio") or None
        data["image"] = data.get("image") or None
        if not data.get("password"):
            data.pop("password", None)  # left empty: keep the current one
        return data


_TAG_SEPARATORS = re.compile(r"[,\s]+")


class ArticleForm(ConduitForm):
    title = _text(max_length=TITLE_MAX_LENGTH)
    description = _text(max_length=DESCRIPTION_MAX_LENGTH)
    body = _text(max_length=BODY_MAX_LENGTH, strip=False, validators=[validate_not_blank])
    # With JavaScript, each tag is a pill with a hidden `tagList` input; without it, the
    # "Enter tags" field takes them separated by commas or spaces. Both count.
    tags = forms.CharField(required=False, max_length=MAX_TAGS * (TAG_MAX_LENGTH + 1))

    def __init__(self, *args: Any, tag_list: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tag_list = tag_list if tag_list is not None else self._posted_tags()

    def _posted_tags(self) -> list[str]:
        if not self.is_bound:
            return []
        data = self.data
        pills = [name.strip() for name in data.getlist("tagList")]  # type: ignore[attr-defined]
        typed = _TAG_SEPARATORS.split(data.get("tags", ""))
        return list(dict.fromkeys(name for name in [*pills, *typed] if name))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        too_long = [name for name in self.tag_list if len(name) > TAG_MAX_LENGTH]
        if too_long:
            self.add_error("tags", f"{too_long[0]} {messages.too_long(TAG_MAX_LENGTH)}")
        if len(self.tag_list) > MAX_TAGS:
            self.add_error("tags", messages.too_long(MAX_TAGS, "tags"))
        cleaned["tag_list"] = self.tag_list
        return cleaned

    def article_fields(self) -> dict[str, Any]:
        return {
            "title": self.cleaned_data["title"],
            "description": self.cleaned_data["description"],
            "body": self.cleaned_data["body"],
            "tag_list": self.cleaned_data["tag_list"],
        }


class CommentForm(ConduitForm):
    body = _text(max_length=COMMENT_MAX_LENGTH, strip=False, validators=[validate_not_blank])
