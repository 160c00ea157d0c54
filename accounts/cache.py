"""The cache backend for REDIS_URL: Django's Redis cache that degrades instead of failing.

Everything the panel keeps in the cache can be rebuilt or done without: portal host answers
(domains/routing.py, read again from the database), the REST API's per-minute counters
(api/rest.py) and the flood limits of password-reset mails, passkey challenges and the portal
Profile's wrong passwords (users/throttle.within_limit). So when Redis is down or stops answering,
a request must not fail or hang on it:

- every operation that fails with a Redis error answers as a miss would (``get`` gives the
  default, ``add``/``set``/``delete`` change nothing, ``incr`` raises ValueError like a missing
  key), logs one warning, and
- for REDIS_RETRY_SECONDS after a failure this process does not ask Redis again (each call
  answers as a miss at once), so a Redis that accepts connections and never answers costs a
  request at most one REDIS_TIMEOUT_SECONDS, not one per cache call.

Counters therefore **fail open** while Redis is down: the API's rate limit and the flood limits
above count nothing and allow. This is deliberate: the limits that guard against guessing
(sign-in failures, second-factor codes) are kept in the database (users/throttle.py,
users/code_throttle.py) and stay in force; the cache-counted ones only protect against floods,
and refusing every API call or password reset while Redis is away would turn a cache outage into
a product outage. /readyz still reports the cache as unreachable (accounts/health.py).

Sessions are in the database (Django's default engine), so signing in does not depend on Redis.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_MISS = object()


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _retry_seconds(self) -> float:
        return getattr(settings, "REDIS_RETRY_SECONDS", 10.0)

    def _call(self, operation: str, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return _fallback(fallback)
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except RedisError as exc:
            with self._lock:
                first = time.monotonic() >= self._down_until
                self._down_until = time.monotonic() + self._retry_seconds()
            if first:
                logger.warning(
                    "cache: Redis unavailable (%s on %s); answering as a miss for %gs",
                    type(exc).__name__,
                    operation,
                    self._retry_seconds(),
                )
            return _fallback(fallback)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", lambda: default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", dict, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        value = self._call("incr", _MISS, key, delta, version)
        if value is _MISS:
            # As for a key that is not there: the callers' counters then start again (fail open).
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", lambda: list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)


def _fallback(value):
    return value() if callable(value) else value
