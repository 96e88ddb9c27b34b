from django.db import models


class RateCounter(models.Model):
    """One fixed-window counter of the abuse limits (common/ratelimit.py), or a remembered fact
    ("this address signed in to this account"). Rows are never evicted before `expires_at`, so no
    flood of other keys can reset a counter; expired rows are deleted as calls go by."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
