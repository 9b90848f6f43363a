"""Sealed ballots and the keys that open them, with libsodium (through PyNaCl) only.

* `seal_ballot` encrypts what a member chose, with their receipt code, to the
  meeting's public key in a sealed box, padded to one length for the item so
  the length says nothing about how many choices were marked.
* Each scrutineer has a key pair (`ScrutineerKey`): the private half is kept
  encrypted with a key derived from their passphrase by Argon2id; the
  passphrase itself is never stored.
* Each meeting has a key pair (`MeetingKey`), made when its first item opens.
  Its private half is sealed to every scrutineer's public key
  (`WrappedMeetingKey`) and then forgotten.
* `unlock_meeting`: a scrutineer's passphrase opens their private key, which
  opens the meeting's; that waits in the shared cache, encrypted with a key
  derived from SECRET_KEY (so neither a copy of the cache nor of the database
  opens a ballot alone), until the meeting's voting is over.
  `destroy_meeting_key` then removes it and every wrapped copy.
"""

import json
import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from nacl import pwhash
from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox
from nacl.utils import random as random_bytes

from meetings.ballots.models import (
    BallotItem,
    MeetingKey,
    ScrutineerKey,
    VoterRecord,
    WrappedMeetingKey,
)

PASSPHRASE_MIN_LENGTH = 12
# How hard Argon2id works on a passphrase: libsodium's named levels. "moderate" takes
# about a second and 256 MiB, once per unlock; tests use "min".
KDF_LEVELS = {
    "min": (pwhash.argon2id.OPSLIMIT_MIN, pwhash.argon2id.MEMLIMIT_MIN),
    "interactive": (pwhash.argon2id.OPSLIMIT_INTERACTIVE, pwhash.argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (pwhash.argon2id.OPSLIMIT_MODERATE, pwhash.argon2id.MEMLIMIT_MODERATE),
    "sensitive": (pwhash.argon2id.OPSLIMIT_SENSITIVE, pwhash.argon2id.MEMLIMIT_SENSITIVE),
}
PADDING_BLOCK = 64  # bytes: sealed ballots of one item all have the same length
UNLOCKED_KEY = "ballot-key-unlocked-{pk}"


class KeyRefused(Exception):
    """A key could not be made, unlocked or destroyed; the message says why and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Ballots -------------------------------------------------------------------------------


def padded_length(choice_count, receipt_length):
    """The plaintext length of every sealed ballot of an item with this many choices:
    room for all of them ranked, rounded up to a whole block."""
    widest = _plaintext(list(range(choice_count)), "X" * receipt_length)
    return math.ceil(len(widest) / PADDING_BLOCK) * PADDING_BLOCK


def _plaintext(positions, receipt):
    return json.dumps({"c": positions, "r": receipt}, separators=(",", ":")).encode()


def seal_ballot(public_key, positions, receipt, *, choice_count):
    """The member's choices (positions, in order of preference) and receipt, sealed to
    the meeting's public key (32 bytes)."""
    plain = _plaintext(list(positions), receipt)
    length = padded_length(choice_count, len(receipt))
    return SealedBox(PublicKey(bytes(public_key))).encrypt(plain.ljust(length, b" "))


def open_ballot(box, sealed):
    """(positions, receipt) from a sealed ballot, with the meeting's opened `SealedBox`."""
    content = json.loads(box.decrypt(bytes(sealed)))
    return [int(position) for position in content["c"]], str(content["r"])


# Scrutineers' keys ------------------------------------------------------------------


def _kdf_limits():
    return KDF_LEVELS[getattr(settings, "BALLOT_PASSPHRASE_STRENGTH", "moderate")]


def _passphrase_box(passphrase, salt, opslimit, memlimit):
    key = pwhash.argon2id.kdf(
        SecretBox.KEY_SIZE,
        passphrase.encode(),
        bytes(salt),
        opslimit=opslimit,
        memlimit=memlimit,
    )
    return SecretBox(key)


def check_passphrase_strength(passphrase):
    if len(passphrase or "") < PASSPHRASE_MIN_LENGTH:
        raise KeyRefused(
            f"Choose a passphrase of at least {PASSPHRASE_MIN_LENGTH} characters: "
            "a few unrelated words is easy to remember and hard to guess."
        )


def set_scrutineer_passphrase(user, passphrase, *, current=None):
    """Give the user a ballot key locked with `passphrase`, or lock theirs again with a
    new one (which needs the `current` passphrase, so that the meetings already
    wrapped for them stay theirs to unlock)."""
    check_passphrase_strength(passphrase)
    existing = ScrutineerKey.objects.filter(user=user).first()
    if existing is not None:
        private_key = open_scrutineer_key(existing, current or "")
    else:
        private_key = PrivateKey.generate()
    opslimit, memlimit = _kdf_limits()
    salt = random_bytes(pwhash.argon2id.SALTBYTES)
    locked = _passphrase_box(passphrase, salt, opslimit, memlimit).encrypt(bytes(private_key))
    fields = {
        "public_key": bytes(private_key.public_key),
        "locked_private_key": bytes(locked),
        "salt": salt,
        "opslimit": opslimit,
        "memlimit": memlimit,
    }
    key, _ = ScrutineerKey.objects.update_or_create(user=user, defaults=fields)
    return key


def replace_scrutineer_key(user, passphrase):
    """A new key pair for a scrutineer who forgot their passphrase. Meetings wrapped for
    the old key are no longer theirs to unlock until another scrutineer unlocks them
    (which wraps the key for every scrutineer again)."""
    check_passphrase_strength(passphrase)
    with transaction.atomic():
        ScrutineerKey.objects.filter(user=user).delete()
        return set_scrutineer_passphrase(user, passphrase)


def open_scrutineer_key(scrutineer_key, passphrase):
    """The scrutineer's private key, or KeyRefused for a wrong passphrase."""
    box = _passphrase_box(
        passphrase, scrutineer_key.salt, scrutineer_key.opslimit, scrutineer_key.memlimit
    )
    try:
        return PrivateKey(box.decrypt(bytes(scrutineer_key.locked_private_key)))
    except CryptoError:
        raise KeyRefused("That passphrase does not open your ballot key.") from None


# Meeting keys ---------------------------------------------------------------------------


def current_meeting_key(meeting):
    """The meeting's key that is still in use, or None."""
    return MeetingKey.objects.filter(meeting=meeting, destroyed_at__isnull=True).last()


def meeting_scrutineer_keys(meeting):
    return ScrutineerKey.objects.filter(user__in=meeting.scrutineers.all())


def meeting_key_for_voting(meeting):
    """The meeting's key that new items are sealed to, made (and wrapped for each
    scrutineer) the first time an item opens. KeyRefused when no scrutineer has a
    ballot key yet: then nobody could ever count the votes."""
    key = current_meeting_key(meeting)
    if key is not None:
        return key
    scrutineers = list(meeting_scrutineer_keys(meeting))
    if not scrutineers:
        raise KeyRefused(
            "Voting cannot open yet: the meeting has no scrutineer with a ballot key, so "
            "nobody could count the votes. Staff appoint the scrutineers on the meeting "
            "page in the admin; each sets a ballot passphrase on the scrutineer's page."
        )
    private_key = PrivateKey.generate()
    key = MeetingKey.objects.create(meeting=meeting, public_key=bytes(private_key.public_key))
    _wrap_for(key, private_key, scrutineers)
    return key


def _wrap_for(meeting_key, private_key, scrutineers):
    WrappedMeetingKey.objects.bulk_create(
        [
            WrappedMeetingKey(
                meeting_key=meeting_key,
                scrutineer=scrutineer,
                sealed_private_key=SealedBox(PublicKey(bytes(scrutineer.public_key))).encrypt(
                    bytes(private_key)
                ),
            )
            for scrutineer in scrutineers
        ],
        ignore_conflicts=True,
    )


def _cache_box():
    # A key from the app's own secret: what the shared cache holds opens nothing alone.
    return SecretBox(
        blake2b(
            settings.SECRET_KEY.encode(),
            digest_size=SecretBox.KEY_SIZE,
            person=b"ballot-key-cache",
            encoder=RawEncoder,
        )
    )


def _unlocked_for(meeting):
    """How long an unlocked key stays in the cache: until the meeting's room closes."""
    from meetings.models import ROOM_STAYS_OPEN_AFTER

    closes = meeting.ends_at + ROOM_STAYS_OPEN_AFTER
    return max(int((closes - timezone.now()).total_seconds()), 3600)


def unlock_meeting(meeting, user, passphrase):
    """A scrutineer opens the meeting's key with their passphrase; it waits in the shared
    cache until voting is over. Scrutineers appointed since the key was made get their
    wrapped copy now. Returns the MeetingKey; KeyRefused says what went wrong."""
    if not meeting.may_scrutinise(user):
        raise KeyRefused("Only this meeting's scrutineers can unlock its ballots.")
    meeting_key = current_meeting_key(meeting)
    if meeting_key is None:
        raise KeyRefused("There is nothing to unlock: no item has been opened for voting yet.")
    scrutineer_key = ScrutineerKey.objects.filter(user=user).first()
    if scrutineer_key is None:
        raise KeyRefused("Set your ballot passphrase first, on the scrutineer's page.")
    wrapped = WrappedMeetingKey.objects.filter(
        meeting_key=meeting_key, scrutineer=scrutineer_key
    ).first()
    if wrapped is None:
        raise KeyRefused(
            "Your ballot key was made after this meeting's key, so it does not open it. "
            "Another of the meeting's scrutineers can unlock the ballots, which shares "
            "the key with you for next time."
        )
    own = open_scrutineer_key(scrutineer_key, passphrase)
    private_key = PrivateKey(SealedBox(own).decrypt(bytes(wrapped.sealed_private_key)))
    if bytes(private_key.public_key) != bytes(meeting_key.public_key):
        raise KeyRefused("The wrapped key does not match the meeting's key.")
    cache.set(
        UNLOCKED_KEY.format(pk=meeting_key.pk),
        bytes(_cache_box().encrypt(bytes(private_key))),
        timeout=_unlocked_for(meeting),
    )
    _wrap_for(meeting_key, private_key, meeting_scrutineer_keys(meeting))
    return meeting_key


def unlocked_private_key(meeting_key):
    """The meeting key's private half if a scrutineer has unlocked it, else None."""
    if meeting_key is None:
        return None
    held = cache.get(UNLOCKED_KEY.format(pk=meeting_key.pk))
    if held is None:
        return None
    try:
        return PrivateKey(_cache_box().decrypt(held))
    except CryptoError:  # written under another SECRET_KEY
        return None


def is_unlocked(meeting_key):
    return unlocked_private_key(meeting_key) is not None


def sealed_ballots_waiting(meeting_key):
    """How many sealed ballots sealed to this key are not yet counted."""
    return VoterRecord.objects.filter(
        item__ballot_key=meeting_key, sealed_ballot__isnull=False
    ).count()


def destroy_meeting_key(meeting_key):
    """End the meeting's voting: the unlocked key leaves the cache and every wrapped copy
    is deleted, so the key exists nowhere. Refused while items sealed to it are open or
    still have ballots to count."""
    with transaction.atomic():
        meeting_key = MeetingKey.objects.select_for_update().get(pk=meeting_key.pk)
        if meeting_key.destroyed_at is not None:
            return meeting_key
        if BallotItem.objects.filter(
            ballot_key=meeting_key, state=BallotItem.State.OPEN
        ).exists() or sealed_ballots_waiting(meeting_key):
            raise KeyRefused(
                "Voting is not over: close every open item and let the count finish "
                "before ending the meeting's voting."
            )
        meeting_key.wrapped.all().delete()
        meeting_key.destroyed_at = timezone.now()
        meeting_key.save(update_fields=["destroyed_at"])
        # Gone from the cache at once (if this rolls back, a scrutineer unlocks again).
        cache.delete(UNLOCKED_KEY.format(pk=meeting_key.pk))
    return meeting_key
