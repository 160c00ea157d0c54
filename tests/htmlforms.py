"""The POST forms of a page, as a browser would submit them: each form's fields (inputs anywhere
on the page that name the form with ``form="…"`` included) and every place it can be sent
(its ``action`` and each submit button's ``formaction``). Used by the isolation crawler to post
real bodies with another account's ids in them."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "select-multiple" or "textarea"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    disabled: bool = False


@dataclass
class Form:
    action: str
    form_id: str = ""
    fields: list[Field] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # action, then each formaction

    def body(self) -> dict[str, list[str]]:
        """What submitting the form unchanged sends (checked boxes, chosen options, values)."""
        data: dict[str, list[str]] = {}
        for f in self.fields:
            if f.disabled or not f.name:
                continue
            if f.kind in ("checkbox", "radio"):
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "on")
            elif f.kind in ("submit", "button", "file", "image", "reset"):
                continue
            elif f.kind == "select":
                chosen = f.selected[:1] or f.options[:1]
                data.setdefault(f.name, []).extend(chosen)
            elif f.kind == "select-multiple":
                data.setdefault(f.name, []).extend(f.selected)
            else:
                data.setdefault(f.name, []).append(f.value)
        return data

    def id_fields(self) -> list[Field]:
        """Fields that carry row ids: ticked-row checkboxes, selects whose options are ids, and
        hidden or text inputs holding a number."""
        found = []
        for f in self.fields:
            if f.disabled or not f.name or f.name == "csrfmiddlewaretoken":
                continue
            numeric_options = f.options and all(o.isdigit() for o in f.options if o)
            if (
                f.name == "selected"
                or (f.kind.startswith("select") and numeric_options and any(f.options))
                or (f.kind in ("hidden", "text") and f.value.isdigit())
                or f.name.endswith("_id")
            ):
                found.append(f)
        return found


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.orphans: list[tuple[str, Field]] = []  # fields and buttons naming a form by id
        self.orphan_targets: list[tuple[str, str]] = []
        self.current: Form | None = None
        self.select: Field | None = None
        self.option_value: str | None = None
        self.textarea: Field | None = None

    def _place(self, attrs, item: Field):
        owner = attrs.get("form")
        if owner:
            self.orphans.append((owner, item))
        elif self.current is not None:
            self.current.fields.append(item)

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form" and attrs.get("method", "get").lower() == "post":
            self.current = Form(action=attrs.get("action", ""), form_id=attrs.get("id", ""))
            self.current.targets.append(self.current.action)
            self.forms.append(self.current)
            if self.current.form_id:
                self.by_id[self.current.form_id] = self.current
        elif tag in ("input", "button"):
            kind = attrs.get("type", "submit" if tag == "button" else "text").lower()
            if kind == "submit" and "formaction" in attrs:
                owner = attrs.get("form")
                if owner:
                    self.orphan_targets.append((owner, attrs["formaction"]))
                elif self.current is not None:
                    self.current.targets.append(attrs["formaction"])
            item = Field(
                name=attrs.get("name", ""),
                kind=kind,
                value=attrs.get("value", ""),
                checked="checked" in attrs,
                disabled="disabled" in attrs,
            )
            self._place(attrs, item)
        elif tag == "select":
            kind = "select-multiple" if "multiple" in attrs else "select"
            self.select = Field(name=attrs.get("name", ""), kind=kind, disabled="disabled" in attrs)
            self._place(attrs, self.select)
        elif tag == "option" and self.select is not None:
            self.option_value = attrs.get("value")
            value = self.option_value if self.option_value is not None else ""
            self.select.options.append(value)
            if "selected" in attrs:
                self.select.selected.append(value)
        elif tag == "textarea":
            self.textarea = Field(name=attrs.get("name", ""), kind="textarea")
            self._place(attrs, self.textarea)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def close(self):
        super().close()
        for owner, item in self.orphans:
            if owner in self.by_id:
                self.by_id[owner].fields.append(item)
        for owner, target in self.orphan_targets:
            if owner in self.by_id:
                self.by_id[owner].targets.append(target)


def post_forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        form.targets = list(dict.fromkeys(form.targets))
    return parser.forms
