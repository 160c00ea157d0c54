"""``reverse()`` remembered: the same name and arguments under the same URLconf and script prefix
always give the same path, and Django's ``reverse`` costs about 0.1 ms a call — a list page made
~70 of them a request (the menu, the toolbar, one per row). :func:`cached_reverse` asks Django
once per distinct call (a bounded LRU); the ``{% url %}`` tag (accounts.templatetags.panel) uses
it. The key holds the thread's URLconf (portal hosts have their own) and script prefix, and the
cache is emptied whenever the URLconfs are (``clear_url_caches``: tests overriding
ROOT_URLCONF)."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

MAX_ENTRIES = 8192


@lru_cache(maxsize=MAX_ENTRIES)
def _reverse(viewname, args, kwargs, current_app, urlconf, prefix):
    del prefix  # part of the key only: reverse() reads it itself
    return reverse(
        viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def cached_reverse(viewname, args=None, kwargs=None, current_app=None) -> str:
    """``reverse(viewname, args=..., kwargs=...)``, computed once per distinct call."""
    if not isinstance(viewname, str):  # a view callable: rare, not worth a key
        return reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    key_args = tuple(args or ())
    key_kwargs = tuple(sorted((kwargs or {}).items()))
    try:
        return _reverse(
            viewname, key_args, key_kwargs, current_app, get_urlconf(), get_script_prefix()
        )
    except TypeError:  # an unhashable argument
        return reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)


def clear() -> None:
    _reverse.cache_clear()


@receiver(setting_changed)
def _urlconf_changed(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        clear()
