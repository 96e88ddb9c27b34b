import pytest

from realworld.common.exceptions import Conflict, InvalidCredentials
from realworld.users.services import (
    user_authenticate,
    user_register,
    user_update,
)
from tests.support.factories import PASSWORD, UserFactory

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


def _token(user):
    from rest_framework_simplejwt.tokens import AccessToken

    from realworld.users.tokens import user_token

    return AccessToken(user_token(user=user))


def test_a_change_made_with_a_token_another_change_revoked_is_refused(user):
    """An owner changes the password while a thief, holding a stolen token, changes the email:
    both requests authenticated against the same row (token version v). Applied one after the
    other on the row as it is now, the second is refused, whichever it is; before, both went
    through, the version went to v+1 only, and the last writer's token was the one kept."""
    from realworld.common.exceptions import TokenRevoked
    from realworld.users.models import User
    from realworld.users.tokens import token_is_current

    owner_token, thief_token = _token(user), _token(user)
    owner_view, thief_view = User.objects.get(pk=user.pk), User.objects.get(pk=user.pk)

    user_update(user=owner_view, data={"password": "a-brand-new-password"}, token=owner_token)
    with pytest.raises(TokenRevoked):
        user_update(user=thief_view, data={"email": "thief@example.com"}, token=thief_token)

    user.refresh_from_db()
    assert user.email != "thief@example.com"
    assert user.check_password("a-brand-new-password")
    assert token_is_current(owner_token, user)
    assert not token_is_current(thief_token, user)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_credential_changes_are_applied_one_after_the_other(user):
    """The same race with real concurrency: both changes start together on their own
    connections; the row lock makes one wait for the other, which then refuses it."""
    import threading

    from django.db import connection

    from realworld.common.exceptions import TokenRevoked
    from realworld.users.models import User

    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def change(name: str, data: dict, token) -> None:
        stale = User.objects.get(pk=user.pk)  # what authentication read
        start.wait()
        try:
            user_update(user=stale, data=data, token=token)
            outcomes[name] = "changed"
        except TokenRevoked:
            outcomes[name] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=change, args=("owner", {"password": "owner-new-password"}, _token(user))
        ),
        threading.Thread(
            target=change, args=("thief", {"email": "thief@example.com"}, _token(user))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["changed", "refused"], outcomes
    user.refresh_from_db()
    assert user.token_version == 1, "one change, one increment"
    assert (user.email == "thief@example.com") == (outcomes["thief"] == "changed")
