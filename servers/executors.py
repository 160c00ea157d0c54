"""Who carries out a server operation: the class SERVER_OPERATION_EXECUTOR names.

The platform plugs in its own orchestration (an API call to its deployment system, a job on its
queue) with a class that has ``execute(operation) -> Outcome``. It runs in the operation task
(servers/tasks.py), outside any transaction; what it returns is recorded afterwards
(services.finish_operation). An exception it raises fails the operation with its message.

The default, :class:`RecordingExecutor`, touches no machine: it records the status the action
leads to, so the panel works end to end before the platform's orchestration is connected.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .actions import ACTIONS


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    status: str = ""  # the server's new status (empty: unchanged)
    expires: datetime.date | None = None  # a new expiry date (Reactivate renews the server)


class RecordingExecutor:
    """Records the status the action leads to; Reactivate renews the server for
    SERVER_RENEWAL_DAYS from today."""

    def execute(self, operation) -> Outcome:
        action = ACTIONS[operation.action]
        expires = None
        if action.key == "reactivate":
            today = timezone.localdate()
            expires = today + datetime.timedelta(days=settings.SERVER_RENEWAL_DAYS)
        message = f"Recorded: the server is {action.result.label}."
        if expires is not None:
            message = f"Recorded: the server is {action.result.label} until {expires.isoformat()}."
        return Outcome(ok=True, message=message, status=action.result, expires=expires)


def executor():
    return import_string(settings.SERVER_OPERATION_EXECUTOR)()
