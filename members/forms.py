"""Forms members fill in."""

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from members.models import member_id_validator


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
            "Use your personal address, not your work one. If we have an email for you "
            "on file, use that one."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ActivationForm(SetPasswordForm):
    """Choose a password; Django's validators apply."""
