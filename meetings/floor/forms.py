"""The chair's forms for business from the floor. Movers, seconders and nominators are
offered from the members present; whoever is posted, `meetings.floor.business`
decides whether they may (a clear refusal for someone not present)."""

from django import forms

from meetings.attendance.register import present_members
from meetings.ballots.models import BallotItem

CHOOSE_MEMBER = ("", "Choose a member present")


def member_choices(meeting, *, optional=False):
    first = ("", "Nobody") if optional else CHOOSE_MEMBER
    return [first] + [
        (member.pk, f"{member.full_name} ({member.member_id})")
        for member in present_members(meeting)
    ]


class MemberPresentField(forms.IntegerField):
    """A member chosen from those present, posted as their roster id."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.Select, **kwargs)


def prose(label, help_text, rows=4):
    """A paragraph or two the chair types: a motion, an amendment."""
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text
    )


class MovedForm(forms.Form):
    """Business that needs a mover and a seconder."""

    mover = MemberPresentField(label="Moved by")
    seconder = MemberPresentField(label="Seconded by")
    field_order = ["title", "motion", "text", "amendment", "amended_text", "mover", "seconder"]


class MotionForm(MovedForm):
    title = forms.CharField(
        max_length=200,
        help_text="As members see it on the ballot, e.g. “Motion 4: a hardship fund”.",
    )
    text = prose("The motion", "As moved: “That the Chapter …”.")


class AmendmentForm(MovedForm):
    motion = forms.IntegerField(label="Motion to amend", widget=forms.Select)
    amendment = prose(
        "The amendment",
        "What it changes, e.g. “Strike ‘night shifts’ and insert ‘every shift’”.",
        rows=3,
    )
    amended_text = prose(
        "The motion as amended", "The whole motion as it will read if the amendment is carried."
    )


class NominationForm(forms.Form):
    election = forms.IntegerField(widget=forms.Select)
    name = forms.CharField(
        label="Nominee", max_length=160, help_text="As it should appear on the ballot."
    )
    nominated_by = MemberPresentField(label="Nominated by")
    seconded_by = MemberPresentField(
        label="Seconded by (if your rules need a seconder)", required=False
    )
    accepted = forms.BooleanField(
        label="The nominee accepts the nomination",
        required=False,
        help_text="Ask the nominee; nominations are taken only once accepted.",
    )


FORMS = {"motion": MotionForm, "amendment": AmendmentForm, "nomination": NominationForm}


def business_forms(meeting, data=None, which=None):
    """The three forms, with the members present and the items they can apply to; the
    one named `which` bound to `data`."""
    present = member_choices(meeting)
    optional = member_choices(meeting, optional=True)
    drafts = BallotItem.objects.filter(meeting=meeting, state=BallotItem.State.DRAFT).order_by(
        "position", "pk"
    )
    motions = [("", "Choose a motion not yet open")] + [
        (item.pk, item.title) for item in drafts if item.kind != BallotItem.Kind.ELECTION
    ]
    elections = [("", "Choose an election not yet open")] + [
        (item.pk, item.title) for item in drafts if item.is_election
    ]
    built = {}
    for name, form_class in FORMS.items():
        form = form_class(data if name == which else None, prefix=name, label_suffix="")
        for field in form.fields.values():
            if isinstance(field, MemberPresentField):
                field.widget.choices = optional if not field.required else present
        if name == "amendment":
            form.fields["motion"].widget.choices = motions
        if name == "nomination":
            form.fields["election"].widget.choices = elections
        built[name] = form
    return built
