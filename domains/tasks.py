from accounts.traced_tasks import task


@task()
def recheck_all_domains() -> dict[str, int]:
    """Re-check every portal domain (what ``manage.py check_domains`` runs), for a task worker."""
    from .services import check_all_domains

    counts: dict[str, int] = {}
    for _before, check in check_all_domains():
        counts[check.status] = counts.get(check.status, 0) + 1
    return counts
