"""The mailed notice: who gets a meeting's notice by post, and who is left out and why."""

import dataclasses

from django.db import models

from members.models import Standing


def has_postal_address():
    """A roster entry a letter can reach: a street line, a city and a postal code."""
    return ~models.Q(address_line_1="") & ~models.Q(city="") & ~models.Q(postal_code="")


@dataclasses.dataclass
class MailingList:
    """Who gets a meeting's mailed notice, and who is left out and why (as counts)."""

    to_mail: models.QuerySet
    no_postal_address: models.QuerySet
    refused_postal_mail: int
    turned_notices_off: int


def mailing_list(meeting):
    """The mailed notice goes to every member of the audience in good standing,
    account or not, except those who refuse postal mail or have turned meeting
    notices off. Members with no postal address are listed apart, so staff can
    find one for them.
    """
    in_good_standing = meeting.audience_members().filter(standing=Standing.ACTIVE)
    refused = models.Q(refuses_postal_mail=True)
    turned_off = models.Q(wants_meeting_notices=False)
    wanted = in_good_standing.exclude(refused).exclude(turned_off)
    ordered = ["family_name", "given_name", "member_id"]
    return MailingList(
        to_mail=wanted.filter(has_postal_address()).order_by(*ordered),
        no_postal_address=wanted.exclude(has_postal_address()).order_by(*ordered),
        refused_postal_mail=in_good_standing.filter(refused).count(),
        turned_notices_off=in_good_standing.exclude(refused).filter(turned_off).count(),
    )
