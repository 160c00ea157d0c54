"""Local servers that speak outside systems' real protocols, for the real SDKs to talk to.

Each runs in a thread on a free loopback port; point the setting for the address at ``.url``.
"""
