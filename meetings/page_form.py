"""The meeting page's chairs and scrutineers in the admin: one row a person, added from a
searchable chooser (Wagtail's `MultipleChooserPanel`, meetings/choosers.py), and a row
naming anyone the chooser would not offer, or someone twice, refused in words staff
understand. The limit itself is the row's field's (`MeetingChair.person`)."""

from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import MultipleChooserPanel


class AppointmentForm(WagtailAdminModelForm):
    """One row: the person, refused with the row model's `refusal` when the field's limit
    does not admit them (a forged form, or someone who has since lapsed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].error_messages["invalid_choice"] = self._meta.model.refusal


class AppointmentFormSet(BaseChildFormSet):
    """The rows: nobody twice."""

    def get_unique_error_message(self, unique_check):
        role = self.model._meta.get_field("person").verbose_name
        return f"The same person is chosen twice as {role}: remove one of the two rows."

    def get_form_error(self):
        return "Chosen twice: remove this row or the other one."


class AppointmentPanel(MultipleChooserPanel):
    """A `MultipleChooserPanel` whose rows use `AppointmentForm` and `AppointmentFormSet`."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name].update(
            form=AppointmentForm, formset=AppointmentFormSet
        )
        return options
