"""The floor app's two tables. It has no migrations: `migrate --run-syncdb` under its
settings creates them (bench/vote_burst.py)."""

from django.conf import settings
from django.db import models


class VoterRecord(models.Model):
    """That a member voted on an item: its key is (member, item), so one each."""

    pk = models.CompositePrimaryKey("member", "item_id")
    # The key, led by member, is the only index it needs.
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    item_id = models.PositiveIntegerField()

    def __str__(self):
        return f"member {self.member_id} voted on item {self.item_id}"


class Ballot(models.Model):
    """What was chosen, with the receipt the member can look for in the count."""

    item_id = models.PositiveIntegerField(db_index=True)
    choice = models.PositiveSmallIntegerField()
    receipt = models.CharField(max_length=12, unique=True)

    def __str__(self):
        return f"ballot {self.receipt} on item {self.item_id}"
