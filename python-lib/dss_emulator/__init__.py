"""A DSS emulator: a real HTTP server speaking the Dataiku DSS public API (``/dip/publicapi``).

The real ``dataikuapi`` client talks to it unmodified. It is the test backend of
dataiku-framework and the embedded default for its demo; it never ships in the plugin.

    from dss_emulator import Emulator
    with Emulator(api_keys={"secret": "admin"}) as emu:
        client = emu.client("secret")
"""
from .server import Emulator, Raw, Text  # noqa: F401

__all__ = ["Emulator", "Raw", "Text"]
