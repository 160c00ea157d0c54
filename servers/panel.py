"""What the servers app adds to the panel: My Servers (still to be built)."""

from accounts.registry import SETUP, AppPanel, Module, Section

panel = AppPanel(
    modules=(Module("servers", "Servers", order=160),),
    sections=(
        Section(
            "servers",
            "My Servers",
            "servers/",
            "servers",
            "Your switch, dispatcher and RTP servers, their config and health.",
            menu=SETUP,
            order=10,
        ),
    ),
)
