from django import forms
from django.contrib import admin
from django.contrib.auth.forms import ReadOnlyPasswordHashField

from .models import User


class UserAdminForm(forms.ModelForm):
    password = ReadOnlyPasswordHashField(
        help_text="Passwords are stored hashed; users set theirs by invitation or password reset."
    )

    class Meta:
        model = User
        fields = [
            "email",
            "name",
            "account",
            "role",
            "read_only",
            "time_zone",
            "is_active",
            "is_staff",
            "is_superuser",
            "password",
        ]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserAdminForm
    list_display = ["email", "name", "account", "role", "read_only", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    list_select_related = ["account"]
    search_fields = ["email", "name", "account__name"]
    readonly_fields = ["last_login", "date_joined"]
