"""Writes about staff users: sign-in and sign-out, with their audit entries."""

from django.contrib.auth import authenticate, login, logout
from django.db import transaction

import accounts.security
from accounts import audit

from . import throttle
from .models import User


class SignInRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sign_in(request, email: str, password: str) -> User:
    """Check the throttle, authenticate, log in and bind the session to this host.

    Every outcome is audited: to the user's account when the email belongs to a user, to the
    platform log otherwise. Raises :class:`SignInRefused` with the message to show.
    """
    ip = audit.client_ip(request)
    known = User.objects.filter(email__iexact=email.strip()).select_related("account").first()
    account = known.account if known else None

    lock = throttle.current_lock(email, ip)
    if lock is not None:
        audit.record(
            "login.locked", account=account, request=request, target=known, data={"email": email}
        )
        raise SignInRefused(lock.message)

    user = authenticate(request, username=email.strip(), password=password)
    if user is None:
        throttle.record_failure(email, ip)
        audit.record(
            "login.failed", account=account, request=request, target=known, data={"email": email}
        )
        raise SignInRefused(
            "That email and password do not match an active user. Check both and try again."
        )

    throttle.clear_failures(email, ip)
    login(request, user)  # users.sessions binds the session to this host
    accounts.security.after_sign_in(request, user)  # known devices, login / new-device mail
    audit.record("login.succeeded", account=user.account, actor=user, request=request, target=user)
    return user


def sign_out(request) -> None:
    user = request.user
    if user.is_authenticated:
        audit.record("logout", account=user.account, actor=user, request=request, target=user)
    logout(request)


@transaction.atomic
def create_user(*, account, email: str, password: str | None, actor=None, **fields) -> User:
    """Create a staff user of ``account`` (the users issue adds groups and invitations)."""
    user = User(account=account, email=email, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        "user.created",
        account=account,
        actor=actor,
        target=user,
        changes=audit.diff({}, audit.snapshot(user, ["email", "name", "role", "read_only"])),
    )
    return user
