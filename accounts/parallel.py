"""Run slow outside checks (a gateway's API, a DNS lookup, a SIP OPTIONS) side by side."""

from concurrent.futures import ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout

MAX_WORKERS = 8
# A page that checks ticked rows checks at most this many: it must answer well within the app
# server's timeout (each check may wait for its outside system).
MAX_CHECKS_PER_REQUEST = 25


def check_in_parallel(items, check, *, timeout: float, failed):
    """``check(item)`` for every item in worker threads, the answers in the items' order.

    The checks make network calls only (no database: callers record the answers afterwards,
    outside any open transaction). ``timeout`` is one check's bound in seconds (each check should
    also bound itself); the whole run waits at most that long per round of MAX_WORKERS checks,
    plus a second. An item whose check raises, or has not answered by then, gets
    ``failed(item, exception_or_None)`` instead, so every item gets an answer and no page hangs.
    """
    items = list(items)
    if not items:
        return []
    rounds = -(-len(items) // MAX_WORKERS)
    pool = ThreadPoolExecutor(max_workers=min(len(items), MAX_WORKERS))
    try:
        futures = [pool.submit(check, item) for item in items]
        wait(futures, timeout=timeout * rounds + 1)
        return [_answer(future, item, failed) for future, item in zip(futures, items, strict=True)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _answer(future, item, failed):
    if not future.done():
        future.cancel()
        return failed(item, None)
    try:
        return future.result(timeout=0)
    except (Exception, FutureTimeout) as exc:  # a check must end in an answer, never a 500
        return failed(item, exc)
