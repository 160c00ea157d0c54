"""What the packages app adds to the panel: the Usage and Packages tabs (still to be built)."""

from accounts.registry import MY_ACCOUNT, AppPanel, Module, Section

panel = AppPanel(
    modules=(Module("usage", "Usage", order=140), Module("packages", "Packages", order=150)),
    sections=(
        Section(
            "usage",
            "Usage",
            "account/usage/",
            "usage",
            "Lookup-service usage and charges, today and month to date.",
            menu=MY_ACCOUNT,
            order=60,
        ),
        Section(
            "packages",
            "Packages",
            "account/packages/",
            "packages",
            "Lookup services the platform offers; enable the ones you use.",
            menu=MY_ACCOUNT,
            order=70,
        ),
    ),
)
