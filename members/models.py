"""The union's structure and its membership roster.

Sectors hold Locals, Locals hold Chapters, and Area Councils group Locals. A
member belongs to one Local and, where the Local has them, one Chapter; their
sector and Area Council follow from the Local, so they are never stored twice.

The roster is personal information. Only staff with the roster permissions see
it in the admin, a Local or Chapter chair sees the contact details of their own
unit's members, and every view or export of it is written to the access log.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction

member_id_validator = RegexValidator(
    r"^\d{6}\Z", "A member ID is exactly six digits, for example 004217."
)


class Sector(models.Model):
    """A part of the public sector the union organises, e.g. health care."""

    name = models.CharField(
        max_length=120, unique=True, help_text='As members know it, e.g. "Health care".'
    )
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text="Used in web addresses: lowercase letters, numbers and hyphens.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AreaCouncil(models.Model):
    """Locals in one region meet together as an Area Council."""

    name = models.CharField(
        max_length=120, unique=True, help_text='The region it covers, e.g. "Capital Region".'
    )
    slug = models.SlugField(
        max_length=120,
        unique=True,
        help_text="Used in web addresses: lowercase letters, numbers and hyphens.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "Area Council"

    def __str__(self):
        return self.name


class Local(models.Model):
    """A Local: the union's unit at one employer or group of worksites."""

    number = models.PositiveIntegerField(
        unique=True, help_text="The Local's number, as on membership cards (e.g. 54)."
    )
    name = models.CharField(max_length=160, help_text='e.g. "Northwind Regional Health".')
    sector = models.ForeignKey(
        Sector,
        on_delete=models.PROTECT,
        related_name="locals",
        help_text="The sector the Local's members work in.",
    )
    area_council = models.ForeignKey(
        AreaCouncil,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="locals",
        verbose_name="Area Council",
        help_text="The Area Council the Local meets with, if any.",
    )
    chair = models.ForeignKey(
        "Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chaired_locals",
        help_text="The Local's chair sees the contact details of the Local's members.",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"Local {self.number:03d} – {self.name}"

    def clean(self):
        if self.chair_id and self.chair.local_id != self.pk:
            raise ValidationError({"chair": "The chair must be a member of this Local."})


class Chapter(models.Model):
    """A Chapter: a worksite or bargaining group within a Local."""

    local = models.ForeignKey(
        Local,
        on_delete=models.PROTECT,
        related_name="chapters",
        help_text="The Local the Chapter is part of.",
    )
    number = models.PositiveIntegerField(help_text="The Chapter's number within its Local.")
    name = models.CharField(
        max_length=160, help_text='The worksite or group, e.g. "Riverside General Hospital".'
    )
    chair = models.ForeignKey(
        "Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chaired_chapters",
        help_text="The Chapter's chair sees the contact details of the Chapter's members.",
    )

    class Meta:
        ordering = ["local__number", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["local", "number"], name="unique_chapter_number_in_local"
            )
        ]

    def __str__(self):
        return f"Chapter {self.local.number:03d}/{self.number:03d} – {self.name}"

    def clean(self):
        if self.chair_id and self.chair.chapter_id != self.pk:
            raise ValidationError({"chair": "The chair must be a member of this Chapter."})


class Standing(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    LAPSED = "lapsed", "Lapsed"


class MemberQuerySet(models.QuerySet):
    def with_confirmed_account(self):
        """Members whose site account's primary address the activation link confirmed.

        The one rule for "confirmed account": signing in, meeting eligibility and
        `members.audience.member_account_confirmed` all ask it.
        """
        return self.filter(
            account__emailaddress__primary=True, account__emailaddress__verified=True
        )

    def receiving_emailed_notices(self):
        """Members with an email on the roster who have not turned meeting notices or
        email off: the twin of `Member.receives_emailed_notices`."""
        return self.filter(wants_meeting_notices=True, refuses_email=False).exclude(email="")


class Member(models.Model):
    """One member on the roster (the membership database)."""

    member_id = models.CharField(
        "member ID",
        max_length=6,
        unique=True,
        validators=[member_id_validator],
        help_text="Six digits, as on the membership card.",
    )
    given_name = models.CharField(max_length=100, help_text="As on the membership card.")
    family_name = models.CharField(
        max_length=100,
        help_text="As on the membership card. Members give it with their member ID to sign up.",
    )
    local = models.ForeignKey(
        Local,
        on_delete=models.PROTECT,
        related_name="members",
        help_text="The member's sector and Area Council follow from their Local.",
    )
    chapter = models.ForeignKey(
        Chapter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text="A Chapter of the member's own Local; empty when the Local has none.",
    )
    email = models.EmailField(
        "personal email",
        blank=True,
        help_text="The member's own address, not a work one: sign-up links and notices go here.",
    )
    phone = models.CharField(
        max_length=40, blank=True, help_text="The member's own number, for their chair to call."
    )
    address_line_1 = models.CharField(
        max_length=160, blank=True, help_text="Street address, for mailed meeting notices."
    )
    address_line_2 = models.CharField(
        max_length=160, blank=True, help_text="Unit, suite or PO box, if any."
    )
    city = models.CharField(max_length=80, blank=True, help_text="City, town or village.")
    province = models.CharField(
        max_length=2, blank=True, default="AB", help_text='Two letters, e.g. "AB".'
    )
    postal_code = models.CharField(max_length=10, blank=True, help_text='e.g. "T5J 0A1".')
    standing = models.CharField(
        max_length=10,
        choices=Standing.choices,
        default=Standing.ACTIVE,
        help_text="Only members in active standing may attend meetings and vote.",
    )

    # Communication preferences: what the member wants to receive.
    wants_meeting_notices = models.BooleanField(
        "meeting notices",
        default=True,
        help_text="Emailed notices of the meetings the member may attend.",
    )
    wants_newsletter = models.BooleanField(
        "newsletter", default=True, help_text="The union's newsletter."
    )
    wants_partner_mailings = models.BooleanField(
        "partner mailings",
        default=False,
        help_text="Mailings the union sends for partner organisations, which never get the list.",
    )

    # Consent refusals: honoured by every export and every view that could share.
    refuses_postal_mail = models.BooleanField(
        "refuses postal mail", default=False, help_text="Leave out of every mailed list."
    )
    refuses_email = models.BooleanField(
        "refuses email", default=False, help_text="Leave out of every emailed list."
    )
    refuses_contact_sharing = models.BooleanField(
        "refuses sharing contact details with chairs",
        default=False,
        help_text="Their Local or Chapter chair sees their name but not their email or phone.",
    )

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
        help_text="The member's site account, once they have created one.",
    )
    account_needs_approval = models.BooleanField(
        default=False,
        help_text=(
            "Set when the account was created for a member with no email on the roster. "
            "Untick once the Member Resource Centre has confirmed who opened it."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        permissions = [
            ("view_contact_information", "Can view members' contact information"),
            ("import_roster", "Can import the roster from CSV"),
        ]

    def __str__(self):
        return f"{self.given_name} {self.family_name} ({self.member_id})"

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def sector(self):
        return self.local.sector

    @property
    def receives_emailed_notices(self):
        """Whether emailed meeting notices reach the member (see the queryset twin)."""
        return self.wants_meeting_notices and not self.refuses_email and bool(self.email)

    @property
    def area_council(self):
        return self.local.area_council

    @property
    def postal_address(self):
        lines = [self.address_line_1, self.address_line_2]
        lines.append(
            " ".join(part for part in [self.city, self.province, self.postal_code] if part)
        )
        return [line for line in lines if line.strip()]

    def clean(self):
        if self.chapter_id and self.local_id and self.chapter.local_id != self.local_id:
            raise ValidationError({"chapter": "That Chapter belongs to another Local."})


class AccessLogQuerySet(models.QuerySet):
    """The access log only grows: bulk changes and deletes through the ORM raise.

    The one way out is `purge`, for superusers only, which itself leaves an entry.
    """

    def update(self, **kwargs):
        raise ValidationError("Access log entries cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ValidationError("Access log entries cannot be changed.")

    def delete(self):
        raise ValidationError(
            "Access log entries cannot be deleted (a superuser may purge old ones)."
        )

    def purge(self, *, before, by, reason):
        """Delete the entries older than `before`, as superuser `by`, and log that it was done.

        For a retention period the Privacy Officer has set; nobody else may remove entries.
        """
        if not (by and by.is_active and by.is_superuser):
            raise PermissionDenied("Only a superuser may purge the access log.")
        with transaction.atomic():
            old = self.filter(at__lt=before)
            count = old.count()
            models.QuerySet.delete(old)
            self.create(
                actor=by,
                actor_name=by.get_full_name() or by.get_username(),
                role="superuser",
                action=AccessLogEntry.Action.PURGE,
                what=f"Purged {count} access log entries older than {before:%Y-%m-%d %H:%M}",
                reason=reason[:300],
            )
        return count


class AccessLogEntry(models.Model):
    """One view or export of members' personal information: who, when, whose, why.

    Entries are written by `members.access_log.record_access` and never changed:
    saving an existing entry or deleting one raises, and so do queryset updates and
    deletes (`AccessLogQuerySet`). Privacy staff read them in the admin.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        EXPORT = "export", "Exported"
        PURGE = "purge", "Purged old entries"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The account that saw the information.",
    )
    actor_name = models.CharField(
        max_length=200, help_text="Who that was, kept even if the account is later removed."
    )
    role = models.CharField(
        max_length=40, help_text="In what capacity, e.g. staff or Chapter chair."
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=300, help_text="What was seen, e.g. a contact list.")
    member_ids = models.JSONField(default=list, help_text="The member IDs whose records were seen.")
    reason = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"

    def __str__(self):
        action = self.get_action_display().lower()
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {action} {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Access log entries cannot be deleted.")
