"""YAML output of configurations.

Why a custom dumper: saved files are read and diffed by people, so multi-line
strings (code, SQL) are written as ``|`` blocks, keys keep schema order
instead of being sorted, and only JSON-compatible types are emitted so that
load -> save -> load gives back an equal configuration.
"""

from typing import Any

import yaml

from .loader import plain_scalar

_BaseDumper = yaml.SafeDumper  # the Python emitter honours increase_indent (C one does not)


class _Dumper(_BaseDumper):  # type: ignore
    """Safe dumper with block scalars for multi-line text and indented lists."""

    def increase_indent(self, flow=False, indentless=False):
        return super(_Dumper, self).increase_indent(flow, False)


def _represent_str(dumper, value):
    # type: (Any, str) -> Any
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if value and plain_scalar(value) != value:
        # The loader uses YAML 1.2 rules (e.g. 1e5 is a number) where PyYAML's dumper uses 1.1: quote.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data):
    # type: (Any) -> str
    """``data`` (plain dicts/lists/scalars) as a YAML document."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100)
