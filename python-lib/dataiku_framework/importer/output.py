"""Writing an import: the YAML (one file, or split files joined by ``include:``) and the code files.

Layout (``DIR``): ``DIR/<KEY>.yaml``; recipe code in ``DIR/recipes/<name>.<ext>`` (``code_file``);
Python scenario scripts, Python steps and Python triggers in ``DIR/scenarios/`` (``<scenario>.py``,
``<scenario>.step<N>.py``, ``<scenario>.trigger<N>.py``). Split (``--split``, or automatically above
``SPLIT_ABOVE`` objects): ``<KEY>.yaml`` keeps the project, zones and external objects and includes
``<KEY>.<section>.yaml`` files (``<KEY>.<section>-<n>.yaml`` by ``PART_SIZE`` objects). The text
is a function of the import alone (no date, host or source), so importing the same project twice,
or live and from its export, gives the same bytes.
"""
import copy
import functools
import os
from typing import Any, Dict, List, Optional, Tuple

import yaml

from ..config.serialize import _Dumper
from ..dss import translate
from .read import CODE_EXTENSIONS

SPLIT_ABOVE = 300
PART_SIZE = 500
INCLUDED_SECTIONS = ("datasets", "managed_folders", "recipes", "scenarios")


FLOW_WIDTH = 90


class _FlowDumper(_Dumper):  # type: ignore
    """The configuration dumper, writing short mappings and lists of scalars on one line
    (``- {name: id, type: bigint}``, ``inputs: [a, b]``) as a person would."""


def _short(value: Any) -> bool:
    items = list(value.values()) if isinstance(value, dict) else value
    if not items or len(items) > 6:
        return False
    if not all(v is None or isinstance(v, (bool, int, float)) or (isinstance(v, str) and "\n" not in v
                                                                  and not _special(v)) for v in items):
        return False
    if isinstance(value, dict):
        key = (True,) + tuple((k, type(v).__name__, v) for k, v in value.items())
    else:
        key = (False,) + tuple((type(v).__name__, v) for v in value)
    return _flow_length(key) <= FLOW_WIDTH


@functools.lru_cache(maxsize=4096)
def _flow_length(key: Tuple[Any, ...]) -> int:
    """Length of the one-line (flow style) YAML of the mapping or list ``key`` stands for (its items
    with their types, so that ``True`` and ``1`` differ). Cached: a project repeats the same small
    mappings (schema columns, inputs) thousands of times, and each dump builds a whole emitter."""
    if key[0]:
        value = {k: v for k, _, v in key[1:]}  # type: Any
    else:
        value = [v for _, v in key[1:]]
    return len(yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=10000))


def _special(text: str) -> bool:
    """Text that needs quotes or escapes in flow style (kept in block style for readability)."""
    return not text or any(c in text for c in ",[]{}#&*!|>'\"%@`:") or text != text.strip()


def _represent_dict(dumper: Any, value: Dict[str, Any]) -> Any:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=_short(value))


def _represent_list(dumper: Any, value: List[Any]) -> Any:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=_short(value))


_FlowDumper.add_representer(dict, _represent_dict)
_FlowDumper.add_representer(list, _represent_list)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_FlowDumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=100)


def render(imported: Any, split: Optional[bool] = None) -> Dict[str, str]:
    """``{relative path: text}`` of every file the import writes (YAML first, then code)."""
    doc = copy.deepcopy(imported.config.to_dict())
    code = _extract_code(doc)
    key = imported.project_key
    objects = sum(len(doc.get(s) or []) for s in INCLUDED_SECTIONS)
    if split is None:
        split = objects > SPLIT_ABOVE
    files = {}  # type: Dict[str, str]
    main = "%s.yaml" % key
    if split:
        includes = []
        for section in INCLUDED_SECTIONS:
            items = doc.pop(section, None) or []
            parts = [items[i:i + PART_SIZE] for i in range(0, len(items), PART_SIZE)]
            for n, part in enumerate(parts, 1):
                name = "%s.%s%s.yaml" % (key, section, "-%d" % n if len(parts) > 1 else "")
                files[name] = dump_yaml({section: part})
                includes.append(name)
        if includes:
            doc["include"] = includes
    files = dict([(main, header(imported) + dump_yaml(doc))] + sorted(files.items()))
    files.update(sorted(code.items()))
    return files


def write(imported: Any, out_dir: str, split: Optional[bool] = None) -> List[str]:
    """Write the import under ``out_dir``; the paths written, main file first."""
    written = []
    for rel, text in render(imported, split).items():
        path = os.path.join(out_dir, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        written.append(path)
    return written


def _extract_code(doc: Dict[str, Any]) -> Dict[str, str]:
    """Move inline code to files: ``code`` -> ``code_file``; returns ``{path: code}``."""
    files = {}  # type: Dict[str, str]

    def move(obj: Dict[str, Any], path: str) -> None:
        if isinstance(obj.get("code"), str):
            files[path] = obj.pop("code")
            obj["code_file"] = path
    for rc in doc.get("recipes") or []:
        if rc.get("type") in translate.CODE_TYPES:
            move(rc, "recipes/%s.%s" % (rc["name"], CODE_EXTENSIONS.get(translate.recipe_type(_Typed(rc)), "txt")))
    for sc in doc.get("scenarios") or []:
        move(sc, "scenarios/%s.py" % sc["name"])
        for n, st in enumerate(sc.get("steps") or [], 1):
            move(st, "scenarios/%s.step%d.py" % (sc["name"], n))
        for n, tr in enumerate(sc.get("triggers") or [], 1):
            move(tr, "scenarios/%s.trigger%d.py" % (sc["name"], n))
    return files


class _Typed(object):
    def __init__(self, doc: Dict[str, Any]) -> None:
        self.type = doc.get("type")


def header(imported: Any) -> str:
    """The comment block at the top of the main file: what was left out, and why."""
    lines = ["# Imported from DSS project %s with `dss-framework import`." % imported.project_key]
    if imported.not_included:
        lines.append("# Not imported (--include): %s." % ", ".join(imported.not_included))
    if imported.left_out:
        lines.append("# Left out (%d): objects this configuration does not describe; they stay in DSS as they are."
                     % len(imported.left_out))
        lines += ["#   - %s %s: %s" % (kind, name, reason) for kind, name, reason in imported.left_out]
    if imported.notes:
        lines.append("# Kept in DSS only (%d): settings of imported objects the language cannot write yet."
                     % len(imported.notes))
        lines += ["#   - %s %s: %s" % note for note in imported.notes]
    return "\n".join(_one_line(line) for line in lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")) if "\n" in text else text


def summary_lines(imported: Any, written: List[str]) -> List[str]:
    """The command's report: counts, what was left out (and why), what could not be listed."""
    from .read import NOT_LISTED_LIVE, plural
    lines = [imported.summary()]
    for kind, name, reason in imported.left_out:
        lines.append("  left out: %s %s: %s" % (kind, name, reason))
    for kind, name, note in imported.notes:
        lines.append("  kept in DSS only: %s %s: %s" % (kind, name, note))
    for label, why in sorted(imported.unlisted.items()):
        lines.append("  not listed: %s (DSS did not list them: %s)" % (plural(label), why))
    if imported.live:
        lines.append("  not listed (a live import spends no request on them): %s" % ", ".join(NOT_LISTED_LIVE))
    if written:
        lines.append("Wrote %d file(s); main file: %s" % (len(written), written[0]))
    return lines
