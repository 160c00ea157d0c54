"""Which action a server allows from which status, and why not otherwise.

The one table the detail page (which entries of Actions ▾ are enabled) and the service (which
requests are refused) both read, so the page never offers what the service would refuse.
"""

from dataclasses import dataclass

from accounts.formatting import format_money

from .models import OperationAction, ServerStatus


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    allowed_from: ServerStatus
    result: ServerStatus  # the server's status once the operation is done
    needs_positive_balance: bool = False

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.key]


ACTIONS = {
    a.key: a
    for a in (
        Action(OperationAction.START, "Start", ServerStatus.STOPPED, ServerStatus.ACTIVE),
        Action(OperationAction.STOP, "Stop", ServerStatus.ACTIVE, ServerStatus.STOPPED),
        Action(OperationAction.RESTART, "Restart", ServerStatus.ACTIVE, ServerStatus.ACTIVE),
        Action(
            OperationAction.REACTIVATE,
            "Reactivate",
            ServerStatus.EXPIRED,
            ServerStatus.ACTIVE,
            needs_positive_balance=True,
        ),
    )
}
DESCRIPTIONS = {
    OperationAction.START: "Start a Stopped server.",
    OperationAction.STOP: "Stop an Active server: it stops answering calls.",
    OperationAction.RESTART: "Restart an Active server (applies a changed config).",
    OperationAction.REACTIVATE: "Reactivate an Expired server (needs a positive balance).",
}


def refusal(action: Action, server, account) -> str:
    """Why ``action`` may not run on ``server`` now (empty: it may). ``account`` gives the
    balance Reactivate needs."""
    status = ServerStatus(server.status)
    if status == ServerStatus.PENDING:
        return (
            "The server is still Pending: the platform is deploying it, so no action is "
            "possible yet."
        )
    if status != action.allowed_from:
        if status == ServerStatus.EXPIRED:
            return f"The server is Expired: Reactivate it before you {action.label.lower()} it."
        return (
            f"{action.label} is only possible when the server is {action.allowed_from.label}; "
            f"it is {status.label}."
        )
    if action.needs_positive_balance and account.balance <= 0:
        balance = format_money(account.balance, account.currency)
        return (
            f"Reactivate needs a positive account balance; the balance is {balance}. "
            "Make a payment first."
        )
    return ""
