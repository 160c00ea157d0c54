"""Password rules (SPEC §2)."""

import re

from django.core.exceptions import ValidationError

SPECIALS = "@$!%*#?&"


class PasswordRulesValidator:
    """SPEC §2: 8–64 characters with upper and lower case, a digit and one of @$!%*#?&."""

    min_length, max_length = 8, 64

    def validate(self, password, user=None):
        problems = []
        if not self.min_length <= len(password) <= self.max_length:
            problems.append(f"be {self.min_length} to {self.max_length} characters long")
        if not re.search(r"[a-z]", password):
            problems.append("contain a lower-case letter")
        if not re.search(r"[A-Z]", password):
            problems.append("contain an upper-case letter")
        if not re.search(r"\d", password):
            problems.append("contain a digit")
        if not any(ch in SPECIALS for ch in password):
            problems.append(f"contain one of {SPECIALS}")
        if problems:
            raise ValidationError(
                "The password must " + ", ".join(problems) + ".", code="password_rules"
            )

    def get_help_text(self):
        return (
            f"{self.min_length}–{self.max_length} characters with upper and lower case, "
            f"a digit and one of {SPECIALS}."
        )
