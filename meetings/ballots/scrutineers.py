"""What scrutineers do on the site: set their ballot passphrase, unlock a meeting's
sealed ballots on its chair's page so that items can be counted, and end the
meeting's voting, which destroys its key. The key work is `ballots.sealing`'s."""

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from meetings.ballots.chairing import log_chair_action
from meetings.ballots.counting import count_sealed_ballots
from meetings.ballots.models import BallotItem, ChairAction, ScrutineerKey
from meetings.ballots.sealing import (
    PASSPHRASE_MIN_LENGTH,
    KeyRefused,
    current_meeting_key,
    destroy_meeting_key,
    replace_scrutineer_key,
    set_scrutineer_passphrase,
    unlock_meeting,
)
from meetings.ballots.views import chair_confirmation, is_confirmed

UNLOCK_LIMITED = "Too many attempts to unlock the ballots: wait a minute, then try again."


def _chair_page(meeting):
    return HttpResponseRedirect(meeting.url + "chair/")


@sensitive_post_parameters("passphrase")
@sensitive_variables("passphrase")
@require_POST
def unlock_ballots(request, meeting):
    """A scrutineer's passphrase unlocks the meeting's sealed ballots for counting."""
    if not meeting.may_scrutinise(request.user):
        raise PermissionDenied("Only this meeting's scrutineers can unlock its ballots.")
    if not ratelimit.consume(request, action="ballot_unlock", key=str(request.user.pk)):
        messages.error(request, UNLOCK_LIMITED)
        return _chair_page(meeting)
    passphrase = request.POST.get("passphrase", "")
    try:
        meeting_key = unlock_meeting(meeting, request.user, passphrase)
    except KeyRefused as refused:
        messages.error(request, refused.message)
        return _chair_page(meeting)
    log_chair_action(meeting, None, ChairAction.Action.UNLOCK, request.user)
    # Closed items whose count could not finish (the cache was lost meanwhile) go on now.
    waiting = BallotItem.objects.filter(
        ballot_key=meeting_key, state=BallotItem.State.CLOSED, counted_at__isnull=True
    ).values_list("pk", flat=True)
    for item_id in waiting:
        count_sealed_ballots.enqueue(item_id=item_id)
    messages.success(
        request, "The ballots are unlocked: the chair can close items and see the results."
    )
    return _chair_page(meeting)


@require_http_methods(["GET", "POST"])
def end_voting(request, meeting):
    """A chair or scrutineer ends the meeting's voting: its ballot key is destroyed, once
    they have confirmed (a GET, or a POST without `confirmed`, asks first)."""
    user = request.user
    if not (meeting.may_chair(user) or meeting.may_scrutinise(user)):
        raise PermissionDenied("Only this meeting's chairs and scrutineers can end its voting.")
    if not is_confirmed(request):
        return chair_confirmation(request, meeting, "end_voting")
    meeting_key = current_meeting_key(meeting)
    if meeting_key is None:
        messages.error(request, "No item has been opened, so there is no ballot key to destroy.")
        return _chair_page(meeting)
    try:
        destroy_meeting_key(meeting_key)
    except KeyRefused as refused:
        messages.error(request, refused.message)
        return _chair_page(meeting)
    log_chair_action(meeting, None, ChairAction.Action.END_VOTING, user)
    messages.success(
        request,
        "Voting is over: the meeting's ballot key is destroyed, so nobody can open a "
        "ballot of it again. Another item opened now gets a new key.",
    )
    return _chair_page(meeting)


class PassphraseForm(forms.Form):
    current = forms.CharField(
        label="Your current passphrase",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    passphrase = forms.CharField(
        label="New passphrase",
        strip=False,
        min_length=PASSPHRASE_MIN_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=f"At least {PASSPHRASE_MIN_LENGTH} characters. It is never stored: if you "
        "forget it, nobody can tell you what it was.",
    )
    repeat = forms.CharField(
        label="The new passphrase again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    forgot = forms.BooleanField(
        label="I have forgotten my passphrase: make me a new ballot key",
        required=False,
        help_text="Meetings whose key was shared with your old one can be unlocked by "
        "another of their scrutineers, which shares them with your new key.",
    )

    def clean(self):
        data = super().clean()
        if data.get("passphrase") and data.get("passphrase") != data.get("repeat"):
            self.add_error("repeat", "The two passphrases are not the same.")
        return data


@never_cache
@login_required
@sensitive_post_parameters("current", "passphrase", "repeat")
@require_http_methods(["GET", "POST"])
def passphrase_page(request):
    """A scrutineer sets (or changes) the passphrase that locks their ballot key."""
    meetings = request.user.scrutinised_meetings.live().order_by("-starts_at")
    if not meetings.exists() and not ScrutineerKey.objects.filter(user=request.user).exists():
        raise PermissionDenied("Only a meeting's scrutineers have a ballot passphrase.")
    has_key = ScrutineerKey.objects.filter(user=request.user).exists()
    form = PassphraseForm(request.POST or None)
    if not has_key:
        del form.fields["current"], form.fields["forgot"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if has_key and data.get("forgot"):
                replace_scrutineer_key(request.user, data["passphrase"])
            else:
                set_scrutineer_passphrase(request.user, data["passphrase"], current=data["current"])
        except KeyRefused as refused:
            form.add_error("current" if has_key else "passphrase", refused.message)
        else:
            messages.success(request, "Your ballot passphrase is set. Keep it to yourself.")
            return HttpResponseRedirect(request.path)
    return render(
        request,
        "meetings/scrutineer_passphrase.html",
        {"form": form, "has_key": has_key, "meetings": meetings},
    )
