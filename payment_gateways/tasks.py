from accounts.traced_tasks import task


@task()
def expire_pending_payments() -> int:
    """Cancel payments still Pending after PAYMENT_PENDING_HOURS (``manage.py expire_payments``
    runs the same), for a task worker."""
    from .payments.services import expire_pending_payments as expire

    return expire()
