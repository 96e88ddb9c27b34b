from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower

# NIST SP 800-63B: at least 8 characters, no composition rules, long passphrases welcome.
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
USERNAME_MAX_LENGTH = 64
EMAIL_MAX_LENGTH = 254
BIO_MAX_LENGTH = 10_000
IMAGE_MAX_LENGTH = 2048


class UserManager(BaseUserManager["User"]):
    def create_user(self, *, email: str, username: str, password: str | None) -> "User":
        user = self.model(email=email, username=username)
        user.set_password(password)
        user.save(using=self._db)
        return user


# The name the services read back from an IntegrityError to say which field was taken.
EMAIL_UNIQUE = "user_email_ci_unique"


class User(AbstractBaseUser):
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH)
    username = models.CharField(max_length=USERNAME_MAX_LENGTH, unique=True)
    # The spec distinguishes "no bio/image" (null) from an empty string, so these are nullable.
    bio = models.TextField(null=True, blank=True)  # noqa: DJ001
    image = models.URLField(max_length=IMAGE_MAX_LENGTH, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Token revocation (users/tokens.py): a password or email change bumps the version, which
    # every earlier token carries; the one token that made the change (if any) is kept.
    # db_default: the release still running during a canary inserts users without them.
    token_version = models.PositiveIntegerField(default=0, db_default=0)
    kept_token_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            # Emails and usernames are unique whatever their case: Jake@x.io is jake@x.io.
            models.UniqueConstraint(Lower("email"), name=EMAIL_UNIQUE),
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username
