from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from accounts.emails import NormalisedEmailField
from accounts.formatting import time_zone_choices
from accounts.ipnets import ip_allowed, parse_ip_whitelist
from accounts.mail import send_mail_later
from accounts.permissions import ALLOW, DENY, MODULES

from . import access
from .models import PermissionGroup, User
from .validators import PasswordRulesValidator

EFFECT_CHOICES = [("", "Not set"), (ALLOW, "Allow"), (DENY, "Deny")]


class SignInForm(forms.Form):
    email = NormalisedEmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with the mail sent through the task queue like all other mail, and
    the link on PANEL_BASE_URL: Django would take the request's Host header, which the client
    chooses, and so could mail a user's reset token to someone else's host."""

    email = NormalisedEmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        """Active users with a password whose stored address is exactly ``email`` (already in
        its stored form): Django's own look-up is case-insensitive, which PostgreSQL's UPPER()
        makes match other letters."""
        users = User.all_accounts.filter(email=email, is_active=True).select_related("account")
        return (user for user in users if user.has_usable_password())

    def save(self, **opts):
        base = urlsplit(settings.PANEL_BASE_URL)
        opts.update(domain_override=base.netloc, use_https=base.scheme == "https")
        return super().save(**opts)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from django.template import loader

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        user = context.get("user")
        send_mail_later(getattr(user, "account", None), subject, body, [to_email])


class UserForm(forms.ModelForm):
    """Add or edit a staff user. The account comes from the view; groups are narrowed to it."""

    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
        help_text=PasswordRulesValidator().get_help_text(),
    )
    send_password_reset = forms.BooleanField(
        required=False,
        label="Send a password-reset mail",
        help_text="Mail the user a link where they choose a new password.",
    )
    send_invitation = forms.BooleanField(
        required=False,
        label="Send an invitation",
        help_text="Mail a link where the user chooses their own password.",
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=PermissionGroup.all_accounts.none(),  # narrowed to the account in __init__
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Users get modules through their groups (Ctrl- or ⌘-click to choose several); "
        "Administrators need none.",
    )
    time_zone = forms.ChoiceField(required=False, help_text="Empty: the account's time zone.")

    class Meta:
        model = User
        fields = [
            "name",
            "email",
            "role",
            "groups",
            "time_zone",
            "read_only",
            "ip_whitelist",
            "is_active",
        ]
        widgets = {"ip_whitelist": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"email": NormalisedEmailField}

    def __init__(self, *args, account, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.creating = self.instance.pk is None
        own = not self.creating and self.instance.pk == actor.pk
        # Editing yourself: a whitelist without your own address would lock you out at once.
        self.own_ip = actor.ip if own else None
        self.fields["name"].required = True
        self.fields["time_zone"].choices = [("", "Account default"), *time_zone_choices()]
        # Offer only what users/access.py allows this actor (the service refuses the rest too).
        grantable = access.grantable_groups(actor, account)
        self.fields["groups"].queryset = PermissionGroup.objects.for_account(account).filter(
            pk__in=[g.pk for g in grantable]
        )
        full_admin = access.is_full_admin(actor)
        if not full_admin:
            self.fields["role"].choices = [(User.Role.USER, User.Role.USER.label)]
            self.fields["groups"].help_text = (
                "Only groups whose modules you may change yourself are offered; the user's other "
                "groups are kept."
            )
        if own and not full_admin:
            for name in ("role", "groups", "read_only"):
                self.fields[name].disabled = True
        if self.creating:
            del self.fields["is_active"]
            del self.fields["send_password_reset"]
        elif self.instance.has_usable_password():
            del self.fields["send_invitation"]
        else:
            del self.fields["send_password_reset"]
            self.fields["send_invitation"].label = "Send a new invitation"
        if not full_admin and not own:
            # Only Administrators set another user's password; others send an invitation.
            del self.fields["password"]
            if self.creating:
                self.fields["send_invitation"].initial = True
                self.fields["send_invitation"].disabled = True
                self.fields[
                    "send_invitation"
                ].help_text = "The user chooses their own password from the invitation mail."
        elif self.creating:
            self.fields["password"].help_text += " Required unless you send an invitation."
        else:
            self.fields["password"].help_text += " Leave blank to keep the current password."

    def clean_email(self):
        email = self.cleaned_data["email"]  # the stored form (NormalisedEmailField)
        taken = User.all_accounts.filter(email=email).exclude(pk=self.instance.pk)
        if taken.exists():
            # The same words whoever holds it, in this account or another: they name nobody.
            raise forms.ValidationError(
                "This e-mail address cannot be used for a new user."
                if self.creating
                else "This e-mail address cannot be used for this user."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if (
            self.creating
            and "password" in self.fields
            and not password
            and not cleaned.get("send_invitation")
        ):
            self.add_error("password", "Enter a password, or tick “Send an invitation”.")
        if password:
            probe = User(email=cleaned.get("email") or "", name=cleaned.get("name") or "")
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def clean_ip_whitelist(self):
        text = self.cleaned_data["ip_whitelist"]
        parse_ip_whitelist(text)
        if self.own_ip and not ip_allowed(self.own_ip, text):
            raise forms.ValidationError(
                f"Your own address ({self.own_ip}) is not in this list: saving it would sign you "
                "out and keep you out. Add it first."
            )
        return text

    def _post_clean(self):
        # The service validates the model; the form does not build a half-edited instance.
        pass


class GroupForm(forms.Form):
    """A group: its name and, for every module of the registry, Select / Allow / Deny."""

    PREFIX = "perm_"
    name = forms.CharField(max_length=100)

    def __init__(self, *args, account, actor, instance=None, **kwargs):
        self.account, self.instance = account, instance
        initial = kwargs.pop("initial", {})
        if instance is not None:
            initial["name"] = instance.name
            initial.update({self.PREFIX + k: v for k, v in instance.permissions.items()})
        super().__init__(*args, initial=initial, **kwargs)
        grantable = access.grantable_modules(actor)
        for key, module in MODULES.items():
            # A module the actor may not change themselves is shown, not offered.
            self.fields[self.PREFIX + key] = forms.ChoiceField(
                label=module.label,
                required=False,
                choices=EFFECT_CHOICES,
                disabled=key not in grantable,
            )

    def module_fields(self):
        return [self[self.PREFIX + key] for key in MODULES]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = PermissionGroup.objects.for_account(self.account).filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Your account already has a group with this name.")
        return name

    def clean(self):
        cleaned = super().clean()
        unknown = sorted(
            key[len(self.PREFIX) :]
            for key in self.data
            if key.startswith(self.PREFIX) and key[len(self.PREFIX) :] not in MODULES
        )
        if unknown:
            raise forms.ValidationError(f"Unknown module: {', '.join(unknown)}. Nothing was saved.")
        return cleaned

    def permissions(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[self.PREFIX + key]
            for key in MODULES
            if self.cleaned_data.get(self.PREFIX + key)
        }


class InvitationForm(forms.Form):
    new_password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=PasswordRulesValidator().get_help_text(),
    )
    new_password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return cleaned
