from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email (any case) and password. Staff need an account; platform superusers need none."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and (
            user.account_id is not None or user.is_superuser
        )

    def get_user(self, user_id):
        """The signed-in user with their account, in the one query every request makes."""
        from .models import User

        user = User.all_accounts.select_related("account").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
