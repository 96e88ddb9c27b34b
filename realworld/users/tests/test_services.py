import pytest

from realworld.common.exceptions import Conflict, InvalidCredentials
from realworld.testing.factories import PASSWORD, UserFactory
from realworld.users.services import (
    user_authenticate,
    user_register,
    user_update,
)

pytestmark = pytest.mark.django_db


def test_user_register_reports_every_taken_field():
    UserFactory(username="jake", email="jake@x.io")

    with pytest.raises(Conflict) as error:
        user_register(email="Jake@X.io", username="Jake", password="long-enough")

    assert error.value.errors == {
        "email": ["has already been taken"],
        "username": ["has already been taken"],
    }


def test_user_authenticate_matches_the_email_whatever_its_case():
    user = UserFactory(email="Mixed@Case.io")

    assert user_authenticate(email="mixed@case.IO", password=PASSWORD) == user
    with pytest.raises(InvalidCredentials):
        user_authenticate(email="mixed@case.io", password="wrong")


def test_user_update_saves_only_what_changed(user):
    user_update(user=user, data={"bio": "hello", "username": user.username})

    user.refresh_from_db()
    assert user.bio == "hello"
