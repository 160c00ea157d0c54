"""Template helpers every panel template may use (registered as builtins in settings).

- ``{% component "card" title=... %}…{% endcomponent %}`` renders components/<name>.html with
  the keyword arguments and the enclosed markup as ``content``.
- ``|money:currency``, ``|local_date``, ``|local_datetime``: the only way a template shows money or
  a date; dates use the account's date format and the viewer's time zone.
- ``|badge_tone``: the colour family of a status badge.
- ``|widget``: a form field's input with its errors and help linked for screen readers.
- ``{% url %}``: Django's tag, its result remembered (accounts.urlcache).
"""

from django import template
from django.template.base import token_kwargs
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url_tag
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from accounts.formatting import DEFAULT_DATE_FORMAT, format_date, format_datetime, format_money
from accounts.urlcache import cached_reverse

register = template.Library()


class ComponentNode(template.Node):
    def __init__(self, name, kwargs, nodelist):
        self.name, self.kwargs, self.nodelist = name, kwargs, nodelist

    def render(self, context):
        values = {key: value.resolve(context) for key, value in self.kwargs.items()}
        values["content"] = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered, escaped)
        name = self.name.resolve(context)
        unknown = set(self.kwargs) - set(COMPONENT_ARGUMENTS[name])
        if unknown:
            raise template.TemplateSyntaxError(
                f"{{% component {name!r} %}} takes no {', '.join(sorted(unknown))}"
            )
        # An argument not passed is empty, never a variable of the page of the same name.
        defaults = dict.fromkeys(COMPONENT_ARGUMENTS[name])
        component = context.template.engine.get_template(f"components/{name}.html")
        with context.push(**{**defaults, **values}):
            return component.render(context)


# Each component's arguments (documented at the top of its template).
COMPONENT_ARGUMENTS = {
    "card": ("title", "edit_url", "help", "actions_template", "id", "heading_level"),
    "list": ("list",),
}


@register.tag
def component(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% component %} needs the component's name")
    name = parser.compile_filter(bits[1])
    kwargs = token_kwargs(bits[2:], parser)
    if len(kwargs) != len(bits) - 2:
        raise template.TemplateSyntaxError("{% component %} takes only key=value arguments")
    nodelist = parser.parse(("endcomponent",))
    parser.delete_first_token()
    return ComponentNode(name, kwargs, nodelist)


@register.filter
def money(amount, currency):
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)


def _viewer_format(context) -> str:
    request = context.get("request")
    account = getattr(request, "account", None)
    return account.date_format if account is not None else DEFAULT_DATE_FORMAT


@register.simple_tag(takes_context=True)
def local_date(context, value):
    return format_date(value, _viewer_format(context), timezone.get_current_timezone_name())


@register.simple_tag(takes_context=True)
def local_datetime(context, value):
    return format_datetime(value, _viewer_format(context), timezone.get_current_timezone_name())


def _query(request, changes: dict) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def page_query(context, prefix, number):
    """The current query string with ``<prefix>page`` set (lists sharing a page use prefixes)."""
    return _query(context["request"], {f"{prefix}page": number})


@register.simple_tag(takes_context=True)
def sort_query(context, prefix, key):
    """Sort by ``key``; when already sorted by it, the other way. Back to the first page."""
    current = context["request"].GET.get(f"{prefix}sort", "")
    return _query(
        context["request"],
        {f"{prefix}sort": f"-{key}" if current == key else key, f"{prefix}page": None},
    )


@register.simple_tag(takes_context=True)
def sort_state(context, prefix, key, default=""):
    current = context["request"].GET.get(f"{prefix}sort", default)
    return {key: "ascending", f"-{key}": "descending"}.get(current, "none")


_TONES = {
    "ok": {"verified", "active", "completed", "allowed", "enabled", "on", "success", "confirmed"},
    "bad": {
        "failed",
        "expired",
        "cancelled",
        "denied",
        "stopped",
        "suspended",
        "off",
        "error",
        "verified by another account",
    },
    "warn": {
        "pending",
        "not checked",
        "pending dns",
        "pending approval",
        "read only",
        "locked",
        "invited",
        "unverified",
    },
}


@register.filter
def badge_tone(status) -> str:
    status = str(status).strip().lower()
    return next((tone for tone, names in _TONES.items() if status in names), "neutral")


@register.simple_tag
def badge(status, detail="") -> str:
    """A status badge, toned by the status' words (a tag, not an include: it is in list rows)."""
    tone = badge_tone(status)
    if detail:
        return format_html(
            '<span class="badge badge--{}">{} <small>{}</small></span>', tone, status, detail
        )
    return format_html('<span class="badge badge--{}">{}</span>', tone, status)


@register.filter
def audit_field(key) -> str:
    from accounts.audit import field_label

    return field_label(str(key))


@register.filter
def audit_value(value) -> str:
    from accounts.audit import value_text

    return value_text(value)


@register.filter
def fields_in_error(form) -> list[str]:
    """Labels of the form's fields that have errors, in form order."""
    return [str(form[name].label) for name in form.fields if name in form.errors]


@register.filter
def widget(field):
    """The field's widget with aria-invalid and aria-describedby pointing at its errors/help."""
    described = []
    if field.errors:
        described.append(f"{field.auto_id}_errors")
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs = {"aria-describedby": " ".join(described)} if described else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


class CachedURLNode(URLNode):
    """Django's ``{% url %}``, through :func:`accounts.urlcache.cached_reverse`."""

    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        url = ""
        try:
            url = cached_reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """``{% url %}`` exactly as Django's (same syntax, same errors), its result remembered."""
    node = django_url_tag(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
