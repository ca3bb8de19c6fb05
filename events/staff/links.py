"""One-time sign-in links for door phones and kiosk tablets.

Setting up a device meant typing an e-mail address and a generated password on it. Instead an
organizer shows a QR code on their own screen (`issue`), the volunteer scans it with the phone's
camera, and the device is signed in as that door or kiosk account (`redeem`): once, within
`LINK_MINUTES`, and never for an organizer's account, whose password stays their own. As pretixSCAN
is set up by scanning a code from pretix's back office.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from events import clock
from events.errors import Conflict
from events.i18n import gettext as _
from events.staff.models import Role, SignInLink, StaffAccount

#: How long a link may wait to be scanned.
LINK_MINUTES = 10
#: Links expired this long ago are deleted when a new one is made: they can sign nobody in, and a
#: link being redeemed right now (unexpired by definition) is never among them.
KEPT_AFTER_EXPIRY = timedelta(days=1)


@dataclass(frozen=True)
class IssuedLink:
    account: StaffAccount
    #: Shown once, in the link and its QR code; only its hash is kept.
    token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(account: StaffAccount) -> IssuedLink:
    """A new link that signs a device in as this door or kiosk account."""
    if account.role == Role.ORGANIZER:
        raise Conflict(_("Organizers sign in with their own password: a link is for door and kiosk devices."))
    if not account.is_active:
        raise Conflict(_("This account has been removed. Invite the person again instead."))
    now = clock.now()
    await SignInLink.filter(expires_at__lt=now - KEPT_AFTER_EXPIRY).delete()
    token = secrets.token_urlsafe(24)
    expires_at = now + timedelta(minutes=LINK_MINUTES)
    await SignInLink.create(staff=account, token_hash=_hash(token), expires_at=expires_at)
    return IssuedLink(account, token, expires_at)


async def account_of(token: str) -> StaffAccount | None:
    """The account a link would sign in as, while it can still be used; None otherwise."""
    link = await SignInLink.filter(token_hash=_hash(token), used_at=None, expires_at__gt=clock.now()).first()
    if link is None:
        return None
    account = await StaffAccount.get_or_none(id=link.staff_id, is_active=True)  # type: ignore[attr-defined]
    return account


async def redeem(token: str) -> StaffAccount | None:
    """Use the link: the account to sign in, or None when it was used already (by any device, at
    any moment: the update that marks it used succeeds once), has expired, or its account is gone."""
    now = clock.now()
    used = await SignInLink.filter(token_hash=_hash(token), used_at=None, expires_at__gt=now).update(used_at=now)
    if not used:
        return None
    link = await SignInLink.get(token_hash=_hash(token))
    return await StaffAccount.get_or_none(id=link.staff_id, is_active=True)  # type: ignore[attr-defined]
