from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email (any case) and password. Staff need an account; platform superusers need none."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and (
            user.account_id is not None or user.is_superuser
        )
