from binascii import unhexlify

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.models import Device, DeviceManager, TimestampMixin
from django_otp.oath import TOTP

from accounts.emails import lookup_form, normalise_email
from accounts.fields import EncryptedTextField
from accounts.ipnets import parse_ip_whitelist
from accounts.models import validate_time_zone
from accounts.permissions import ALLOW, DENY, MODULES
from accounts.tenancy import TenantModel, TenantQuerySet


class UserQuerySet(TenantQuerySet):
    pass


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        """Exact match on the stored form (accounts.emails): never ``iexact``, whose
        PostgreSQL ``UPPER()`` makes ``admın@`` (dotless ı) the same user as ``admin@``."""
        email = lookup_form(username or "")
        if email is None:
            raise self.model.DoesNotExist("No user has this address.")
        return self.get(email=email)

    @classmethod
    def normalize_email(cls, email):
        return normalise_email(email)

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        """A platform superuser: no account, manages tenants in Django's admin."""
        extra.update(is_staff=True, is_superuser=True, account=None)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser):
    """A person who logs into the panel. Staff users belong to an Account; platform superusers
    (``account`` empty) manage tenants in Django's admin and have no panel of their own.

    ``is_staff`` keeps Django's meaning (may enter /admin/) and is only for platform superusers.
    Django's own permission tables are not used: the admin site is for superusers only, and the
    panel's permissions are the module registry in accounts/permissions.py.
    """

    class Role(models.TextChoices):
        ADMINISTRATOR = "admin", "Administrator"
        USER = "user", "User"

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.USER)
    read_only = models.BooleanField(
        default=False, help_text="May view what their permissions allow and change nothing."
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Empty: the account's time zone.",
    )
    is_active = models.BooleanField("active", default=True)
    is_staff = models.BooleanField(
        "platform admin site access",
        default=False,
        help_text="Django admin access; only for platform superusers.",
    )
    is_superuser = models.BooleanField("platform superuser", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    groups = models.ManyToManyField(
        "users.PermissionGroup",
        through="users.GroupMembership",
        blank=True,
        related_name="members",
    )
    ip_whitelist = models.TextField(
        "IP whitelist",
        blank=True,
        validators=[parse_ip_whitelist],
        help_text="One entry a line: an IP, a prefix like 10.1.2. or a network like 10.1.2.0/24. "
        "Empty: any address.",
    )
    two_factor_enabled = models.BooleanField(
        "2FA",
        default=False,
        help_text="Sign-in asks for a code; kept in step with the user's authenticator device "
        "by users/services_two_factor.py.",
    )
    # Personal profile. An email change waits in ``pending_email`` until confirmed from the link
    # mailed to it (sign-in keeps using ``email`` until then).
    pending_email = models.EmailField("new email, unconfirmed", max_length=254, blank=True)
    mobile = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +447700900123.")
    mobile_verified = models.BooleanField(
        default=False, help_text="Confirmed with a code sent to it by SMS."
    )
    # Raising it ends every session of the user at once (it is part of the session auth hash).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()
    # The named side door for the deliberate cross-account lookups (sign-in by e-mail, the
    # platform-wide e-mail uniqueness, invitation links); see accounts/tenancy.py.
    all_accounts = models.Manager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]
        indexes = [
            # With the id: the list's tie-break, so the database never sorts a page itself.
            models.Index(fields=["account", "name", "id"], name="user_account_name"),
            models.Index(fields=["account", "last_login", "id"], name="user_account_last_login"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self):
        # Before Django's own clean, whose NFKC would quietly turn an ſ into an s.
        try:
            self.email = normalise_email(self.email)
        except ValidationError as error:
            raise ValidationError({"email": error.messages}) from error
        super().clean()

    def get_session_auth_hash(self):
        """Django's hash of the password, salted with the session generation: raising the
        generation (deactivation, an Administrator ending the sessions) logs the user out
        everywhere on their next request."""
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "users.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()

    # Django admin hooks: only active platform superusers may do anything there.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_active and self.is_superuser

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.has_perm(None)

    def has_module_perms(self, app_label) -> bool:
        return self.has_perm(None)

    def group_permission_sets(self) -> list[dict]:
        """The ``permissions`` of every group the user is in, in one query (for Access)."""
        return list(
            PermissionGroup.objects.for_account(self.account)
            .filter(memberships__user=self)
            .values_list("permissions", flat=True)
        )

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMINISTRATOR

    @property
    def effective_time_zone(self) -> str:
        if self.time_zone:
            return self.time_zone
        return self.account.time_zone if self.account_id else "UTC"


class PermissionGroup(TenantModel):
    """A permission group of an account: for each module of the registry, Allow, Deny or not set.

    ``permissions`` maps a module key to "allow" or "deny"; modules not set are absent.
    """

    name = models.CharField(max_length=100)
    permissions = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="group_name_unique_per_account")
        ]

    def __str__(self) -> str:
        return self.name

    def modules_with(self, effect: str) -> list[str]:
        """Labels of the modules set to ``effect``, in registry order."""
        return [m.label for key, m in MODULES.items() if self.permissions.get(key) == effect]

    @property
    def allowed_labels(self) -> list[str]:
        return self.modules_with(ALLOW)

    @property
    def denied_labels(self) -> list[str]:
        return self.modules_with(DENY)


class GroupMembership(TenantModel):
    """A user in a group (the account is repeated here, as on every tenant row)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    group = models.ForeignKey(PermissionGroup, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class LoginFailure(models.Model):
    """A sign-in attempt: stored before the password is checked and kept when it was wrong, for
    the throttle window (see users/throttle.py). ``email`` is the stored form of what was typed;
    ``user`` the user it matched, if any."""

    email = models.CharField(max_length=254)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ip = models.GenericIPAddressField(null=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["email", "ip", "created"], name="loginfailure_pair"),
            models.Index(fields=["ip", "created"], name="loginfailure_ip"),
            models.Index(fields=["user", "created"], name="loginfailure_user"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip} at {self.created:%Y-%m-%d %H:%M}"


# --- Two-factor sign-in (django-otp devices) -----------------------------------------------------


class DeviceQuerySet(TenantQuerySet):
    pass


class TenantDeviceManager(DeviceManager.from_queryset(DeviceQuerySet)):
    """django-otp's manager (``devices_for_user``) with the tenant door (``for_account``)."""


class TOTPDevice(TimestampMixin, Device, TenantModel):
    """A user's authenticator app (RFC 6238), on django-otp's ``Device``.

    Not django-otp's own ``otp_totp.TOTPDevice``: that one stores the key as a plain hex column,
    and a concrete model's field cannot be replaced in a subclass. Here the key is an
    :class:`~accounts.fields.EncryptedTextField` (covered by ``rotate_encryption_keys``); the
    verification is django-otp's (``django_otp.oath.TOTP``), with its replay guard: a code is
    accepted only for a time step after the last one accepted (``last_t``). Wrong codes are
    throttled per user and per address by users/code_throttle.py, not by django-otp's
    per-device back-off. A user has at most one.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    key = EncryptedTextField(help_text="The shared secret, hex, encrypted at rest.")
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="Time steps accepted before and after the current one."
    )
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(
        default=-1, help_text="The time step of the last accepted code: only later ones work."
    )

    objects = TenantDeviceManager()
    all_accounts = models.Manager()

    class Meta:
        verbose_name = "authenticator app"
        constraints = [models.UniqueConstraint(fields=["user"], name="totpdevice_one_per_user")]

    def totp(self) -> TOTP:
        return TOTP(unhexlify(self.key.encode()), self.step, 0, self.digits, self.drift)

    def verify_token(self, token) -> bool:
        """Accept ``token`` (digits) when it is the code of a step within the tolerance and later
        than the last accepted one; remember that step. Load the device with
        ``select_for_update()`` first, or two requests could both accept one code."""
        try:
            value = int(token)
        except (TypeError, ValueError):
            return False
        totp = self.totp()
        if not totp.verify(value, self.tolerance, self.last_t + 1):
            return False
        self.last_t, self.drift, self.last_used_at = totp.t(), totp.drift, timezone.now()
        self.save(update_fields=["last_t", "drift", "last_used_at"])
        return True


class StaticDevice(TimestampMixin, Device, TenantModel):
    """A user's backup codes, on django-otp's ``Device``; each code works once.

    Not django-otp's ``otp_static.StaticDevice``: its tokens are stored in the clear, and
    anything only compared is stored hashed here (:class:`BackupCode`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="static_devices")

    objects = TenantDeviceManager()
    all_accounts = models.Manager()

    class Meta:
        verbose_name = "backup codes"
        constraints = [models.UniqueConstraint(fields=["user"], name="staticdevice_one_per_user")]

    def verify_token(self, token) -> bool:
        """Use up the backup code ``token`` (normalised by the form); a code deleted by a
        concurrent request counts once, for the request whose DELETE removed it."""
        from .backup_codes import code_hash

        used, _ = (
            BackupCode.objects.for_account(self.account)
            .filter(device=self, code_hash=code_hash(token))
            .delete()
        )
        if used:
            self.last_used_at = timezone.now()
            self.save(update_fields=["last_used_at"])
        return bool(used)


class BackupCode(TenantModel):
    """One backup code: only its HMAC (users/backup_codes.py) is kept."""

    device = models.ForeignKey(StaticDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="backupcode_unique")
        ]

    def __str__(self) -> str:
        return f"backup code of {self.device.user}"


class CodeFailure(models.Model):
    """A wrong second-factor code, kept for the throttle window (users/code_throttle.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created"], name="codefailure_user"),
            models.Index(fields=["ip", "created"], name="codefailure_ip"),
        ]

    def __str__(self) -> str:
        return f"wrong code of {self.user_id} from {self.ip}"


class MobileConfirmation(TenantModel):
    """The SMS code waiting to confirm a user's mobile number (hashed; 10 minutes; 5 tries)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"mobile confirmation of {self.user_id}"


class Passkey(TimestampMixin, Device, TenantModel):
    """A user's passkey (a WebAuthn public-key credential), beside the authenticator app and the
    backup codes on django-otp's ``Device`` (``name`` is what the user calls it, e.g. "Work
    laptop"). Made only from an attestation py_webauthn verified for this panel's RP ID and
    origins (users/services_passkeys.py); checked with ``verify_authentication_response``.

    Only the public key is kept (no secret: nothing here signs anything). ``sign_count`` is the
    authenticator's counter at the last accepted assertion: an assertion whose counter is not
    above it (when either is non-zero) comes from a cloned authenticator and is refused.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.CharField(
        max_length=1400, unique=True, help_text="The credential ID, base64url."
    )
    public_key = models.BinaryField(help_text="The credential's COSE public key.")
    sign_count = models.PositiveBigIntegerField(default=0)
    aaguid = models.CharField("authenticator model (AAGUID)", max_length=36, blank=True)
    backed_up = models.BooleanField(default=False, help_text="Synced by its provider.")
    transports = models.JSONField(default=list, blank=True)

    objects = TenantDeviceManager()
    all_accounts = models.Manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="passkey_name_unique_per_user")
        ]

    def verify_token(self, token) -> bool:
        """Passkeys answer a challenge, not a typed token (users/services_passkeys.py)."""
        return False
