from django import forms

from .actions import ACTIONS
from .models import FLAGS
from .ports import parse_ports, ports_text

PORTS_HELP = "Whole numbers from 1 to 65535, separated by commas, e.g. 5060, 5080."


class PortListField(forms.CharField):
    """A list of ports typed as text (``5060, 5080``); cleans to sorted distinct ints."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("help_text", PORTS_HELP)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ports_text(value) if isinstance(value, list) else value

    def to_python(self, value):
        return parse_ports(super().to_python(value) or "")


class ServerConfigForm(forms.Form):
    """The Server config dialog: the ports and flags an account may change (the platform's
    record — IP, FQDN, type, zone, capacity, status — is changed in the admin only)."""

    udp_ports = PortListField(label="UDP ports")
    tcp_ports = PortListField(label="TCP ports")

    def __init__(self, *args, server, **kwargs):
        initial = {name: getattr(server, name) for name in ["udp_ports", "tcp_ports"]}
        initial.update({name: getattr(server, name) for name, _label in FLAGS})
        super().__init__(*args, initial=initial, **kwargs)
        for name, label in FLAGS:
            self.fields[name] = forms.BooleanField(label=label, required=False)

    @property
    def flag_fields(self):
        return [self[name] for name, _label in FLAGS]


class OperationForm(forms.Form):
    action = forms.ChoiceField(choices=[(key, a.label) for key, a in ACTIONS.items()])

    def refusal(self) -> str:
        """Why the posted action is not one a server has, in words (for a forged POST)."""
        value = str(self.data.get("action", ""))[:40]
        if not value:
            return "Choose an action: Start, Stop, Restart or Reactivate."
        return (
            f"“{value}” is not an action a server has: choose Start, Stop, Restart or Reactivate."
        )
