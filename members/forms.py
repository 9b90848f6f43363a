"""Forms members fill in."""

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from members.models import Member, member_id_validator


class SignUpForm(forms.Form):
    """Claim a roster entry: the three facts a member has to hand."""

    member_id = forms.CharField(
        label="Member ID",
        min_length=6,
        max_length=6,
        validators=[member_id_validator],
        help_text="The six digits on your membership card, including any leading zeros.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{6}"}
        ),
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        help_text="As it appears on your membership card.",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label="Personal email",
        max_length=254,
        help_text=(
            "Your personal address, not your work one. If it is not the one we have on "
            "file, the Member Resource Centre will confirm the account is yours before "
            "you can enter meetings or vote."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ActivationForm(SetPasswordForm):
    """Choose a password; Django's validators apply."""


class CommunicationChoicesForm(forms.ModelForm):
    """The member's own choices: what we send them, and what they refuse.

    Labels and hints speak to the member; the model's help texts are written
    for staff, who see them in the roster.
    """

    SENDING = ("wants_meeting_notices", "wants_newsletter", "wants_partner_mailings")
    REFUSALS = ("refuses_postal_mail", "refuses_email", "refuses_contact_sharing")

    class Meta:
        model = Member
        fields = [
            "wants_meeting_notices",
            "wants_newsletter",
            "wants_partner_mailings",
            "refuses_postal_mail",
            "refuses_email",
            "refuses_contact_sharing",
        ]
        labels = {
            "wants_meeting_notices": "Send me notices of meetings I can attend",
            "wants_newsletter": "Send me the union newsletter",
            "wants_partner_mailings": (
                "Send me offers from the union's partners (benefits, insurance)"
            ),
            "refuses_postal_mail": "Do not send me anything by post",
            "refuses_email": "Do not send me anything by email",
            "refuses_contact_sharing": (
                "Do not show my email and phone to my Local or Chapter chair"
            ),
        }
        help_texts = {
            "wants_meeting_notices": (
                "We email you when a meeting you can attend is announced, and again if "
                "its time changes."
            ),
            "wants_newsletter": "News from your union, for all members.",
            "wants_partner_mailings": (
                "We send these ourselves: the partners never get your name or address."
            ),
            "refuses_postal_mail": (
                "Meeting notices included: make sure we have your email address so that "
                "they reach you."
            ),
            "refuses_email": (
                "No meeting notices or newsletters by email. Messages you ask for, such "
                "as a password reset or a vote receipt, still come."
            ),
            "refuses_contact_sharing": (
                "Your chair will still see your name, Chapter and standing."
            ),
        }

    def groups(self):
        """The checkboxes as the page shows them: each group with its legend."""
        return [
            ("What we send you", [self[name] for name in self.SENDING]),
            ("What you do not want", [self[name] for name in self.REFUSALS]),
        ]
