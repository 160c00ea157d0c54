"""A contact's portal session: who is signed in, on which host, and the gate every portal
section passes (signed in, the customer Active with portal access, the area on).

The session is Django's (a portal host has its own cookie); it holds the contact's id, a hash of
their password hash (a new password ends every other session) and the host it began on: on any
other host it is nobody. Staff sign-in is untouched (``request.user`` stays anonymous here).
"""

import time
from functools import wraps

from django.http import Http404
from django.shortcuts import redirect
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.sessions import request_host

from .models import Contact, CustomerStatus

CONTACT_KEY = "portal_contact"
HALF_KEY = "portal_half_login"
HALF_MAX_AGE = 10 * 60
_SALT = "portal.contact-session"


def password_hash(contact: Contact) -> str:
    return salted_hmac(_SALT, contact.password, algorithm="sha256").hexdigest()


def log_in(request, contact: Contact) -> None:
    """A new session key (no fixation), bound to this host."""
    request.session.cycle_key()
    request.session.pop(HALF_KEY, None)
    request.session[CONTACT_KEY] = {
        "id": contact.pk,
        "hash": password_hash(contact),
        "host": request_host(request),
    }


def log_out(request) -> None:
    request.session.flush()


def begin_half(request, contact: Contact) -> None:
    """The password was right; the TOTP code step finishes it within HALF_MAX_AGE."""
    request.session.cycle_key()
    request.session[HALF_KEY] = {
        "id": contact.pk,
        "hash": password_hash(contact),
        "host": request_host(request),
        "started": int(time.time()),
    }


class HalfExpired(Exception):
    pass


def half_contact(request) -> Contact | None:
    """The contact who passed the password step in this session on this host, or None; raises
    HalfExpired (and forgets it) after HALF_MAX_AGE."""
    data = request.session.get(HALF_KEY)
    if not isinstance(data, dict) or data.get("host") != request_host(request):
        return None
    if time.time() - data.get("started", 0) > HALF_MAX_AGE:
        request.session.pop(HALF_KEY, None)
        raise HalfExpired
    contact = _load(request, data)
    if contact is None:
        request.session.pop(HALF_KEY, None)
    return contact


def _load(request, data) -> Contact | None:
    if not isinstance(data.get("id"), int):
        return None
    contact = (
        Contact.objects.for_account(request.account)
        .select_related("customer")
        .filter(pk=data["id"], is_active=True)
        .first()
    )
    if contact is None or not constant_time_compare(data.get("hash", ""), password_hash(contact)):
        return None
    return contact


def current_contact(request) -> Contact | None:
    """The signed-in contact of this portal host (cached on the request), or None: also when
    their customer is no longer Active or lost portal access (they are signed out then)."""
    if hasattr(request, "_portal_contact"):
        return request._portal_contact
    contact = None
    data = request.session.get(CONTACT_KEY) if request.account is not None else None
    if isinstance(data, dict) and data.get("host") == request_host(request):
        contact = _load(request, data)
        if contact is not None and not may_use_portal(contact):
            contact = None
        if contact is None:
            request.session.pop(CONTACT_KEY, None)
    request._portal_contact = contact
    return contact


def may_use_portal(contact: Contact) -> bool:
    customer = contact.customer
    return customer.status == CustomerStatus.ACTIVE and customer.portal_access


def areas_of(request, contact: Contact) -> set[str]:
    """The portal areas this contact gets: the domain's, less those hidden for the customer."""
    return set(request.portal.domain.access_areas) - set(contact.customer.hidden_areas)


def contact_required(area: str | None = None):
    """A portal section: signed-in contacts only (others go to sign-in); with ``area``, only when
    the domain has it on and it is not hidden for the customer (else 404, like no such page)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            contact = current_contact(request)
            if contact is None:
                return redirect("portal:login")
            request.contact = contact
            request.portal_areas = areas_of(request, contact)
            if area is not None and area not in request.portal_areas:
                raise Http404("This part of the portal is not available.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
