"""The one way a service refuses a write for a reason the user can fix, and the one helper that
shows the reason next to the field it is about."""

from django.core.exceptions import ValidationError


class Refused(Exception):
    """A rule refused the change. ``errors`` maps a form field (None: the whole form) to its
    messages; ``message`` is the first, for a flash message."""

    def __init__(self, message: str | dict, field: str | None = None):
        errors = message if isinstance(message, dict) else {field: message}
        self.errors = {key: [v] if isinstance(v, str) else list(v) for key, v in errors.items()}
        self.message = next(iter(self.errors.values()))[0]
        super().__init__(self.message)

    @property
    def field(self) -> str | None:
        return next(iter(self.errors))


def show_refusal(form, error: Refused | ValidationError) -> None:
    """Put a service's refusal (or a model's ValidationError) on ``form``: each message next to
    its field, or above the form when the field is not one of the form's."""
    if isinstance(error, ValidationError):
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    else:
        errors = error.errors
    for name, texts in errors.items():
        form.add_error(name if name in form.fields else None, texts)
