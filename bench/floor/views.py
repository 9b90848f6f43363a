import secrets

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from bench.floor.models import Ballot, VoterRecord

CHOICES = (1, 2, 3)  # For, Against, Abstain


def up(request):
    """For the benchmark to know the server answers."""
    return HttpResponse("up", content_type="text/plain")


@require_POST
def vote(request, item_id):
    """A signed-in member's vote (CSRF checked by the middleware): a voter record and a
    ballot in one transaction, then a redirect carrying the receipt."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden("Sign in to vote.")
    try:
        choice = int(request.POST.get("choice", ""))
    except ValueError:
        choice = None
    if choice not in CHOICES:
        return HttpResponseBadRequest("Choose one of the choices.")
    receipt = secrets.token_hex(6)
    try:
        with transaction.atomic():
            VoterRecord.objects.create(member=request.user, item_id=item_id)
            Ballot.objects.create(item_id=item_id, choice=choice, receipt=receipt)
    except IntegrityError:
        return HttpResponse("You have already voted on this item.", status=409)
    return redirect(f"/items/{item_id}/?receipt={receipt}")
