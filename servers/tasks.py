from accounts.traced_tasks import task


@task()
def run_operation(operation_id: int) -> str:
    """Carry out one Requested server operation with SERVER_OPERATION_EXECUTOR."""
    from .services import execute_operation

    operation = execute_operation(operation_id)
    return operation.status if operation is not None else "skipped"


@task()
def check_all_servers() -> dict[str, int]:
    """Health-check every server (what ``manage.py check_servers`` runs), for a task worker."""
    from .services import check_all_servers as check_all

    counts: dict[str, int] = {}
    for _before, check in check_all():
        counts[check.outcome] = counts.get(check.outcome, 0) + 1
    return counts
