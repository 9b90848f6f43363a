"""The meeting page's admin form: the chair and scrutineer pickers name people as the
union knows them, and offer only those who may take the role."""

from django import forms
from django.contrib.auth import get_user_model
from wagtail.admin.forms import WagtailAdminPageForm

from members.chairs import meeting_chair_candidates, person_label


class PeopleField(forms.ModelMultipleChoiceField):
    """A multiple choice of accounts, each named by `person_label`."""

    def label_from_instance(self, obj):
        return person_label(obj)


PICKER_HINT = (
    " In the list, type the first letters of a family name to jump to it; hold Ctrl "
    "(⌘ on a Mac) to choose more than one."
)


class MeetingPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chairs = self.fields["chairs"]
        self.fields["chairs"] = PeopleField(
            queryset=meeting_chair_candidates(),
            required=False,
            label=chairs.label,
            help_text=(
                f"{chairs.help_text} Listed: members in good standing with a confirmed "
                f"account, by family name, member ID and Chapter.{PICKER_HINT}"
            ),
            widget=forms.SelectMultiple(attrs={"size": 10}),
        )
        scrutineers = self.fields["scrutineers"]
        self.fields["scrutineers"] = PeopleField(
            # The field's own limit (the Scrutineers group), with names to show.
            queryset=scrutineers.queryset.select_related("member__chapter__local")
            .order_by("last_name", "first_name", get_user_model().USERNAME_FIELD)
            .distinct(),
            required=False,
            label=scrutineers.label,
            help_text=scrutineers.help_text + PICKER_HINT,
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
