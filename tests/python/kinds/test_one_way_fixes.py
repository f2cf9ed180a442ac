"""The one-direction mappings the round-trip property found (``test_kind_roundtrip.ONE_WAY``), fixed:
a default DSS stores comes back as no key (over the emulator: apply, import, plan clean), and what
cannot mean anything is refused by validation with a one-line diagnostic naming the object and key."""
import itertools

from dataiku_framework import FrameworkConfig
from dataiku_framework.config.validate import validate_document
from dataiku_framework.resources import registry

_KEYS = itertools.count(1)
_HEAD = ('version: "1.0"\nproject: {key: %s, name: OneWay}\n'
         "datasets:\n  - {name: a, type: Filesystem, connection: filesystem_managed, path: /a}\n"
         "  - {name: b, type: Filesystem, connection: filesystem_managed, path: /b}\n"
         "  - {name: o, type: Filesystem, connection: filesystem_managed, path: /o}\n"
         "  - {name: v, type: Filesystem, connection: filesystem_managed, path: /v}\n")


def _imported_recipes(client, key):
    from dataiku_framework.importer.read import read_live

    class ImportContext(object):
        notes = []

        @staticmethod
        def zone_of(object_type, object_id):
            return None
    return dict(registry.get("recipe").to_config(read_live(client, key), ImportContext()))


def test_visual_default_flags_import_as_no_key(engine, client):
    """A grouping without ``global_count`` and a vstack without ``add_origin_column`` are stored by
    DSS with ``globalCount: false`` / ``addOriginColumn: false``; the import leaves those defaults out
    (no raw ``payload`` for the grouping), and the imported recipes plan clean against the project."""
    key = "OW_%d" % next(_KEYS)
    text = _HEAD % key + ("recipes:\n  - {name: g, type: grouping, inputs: [a], outputs: [o], keys: [x]}\n"
                          "  - {name: s, type: vstack, inputs: [a, b], outputs: [v]}\n")
    assert engine.apply(FrameworkConfig.from_yaml(text)).succeeded
    recipes = _imported_recipes(client, key)
    assert recipes["g"] == {"name": "g", "type": "grouping", "inputs": ["a"], "outputs": ["o"], "keys": ["x"]}
    assert "addOriginColumn" not in recipes["s"].get("payload", {})  # DSS's other creation keys stay raw
    assert not engine.plan(FrameworkConfig.from_yaml(text)).has_changes


def _errors(tmp_path, body):
    """The error diagnostics of a configuration (the shared head plus ``body``), each as
    ``(path, code, its first formatted line: file:line:column, path and summary)``."""
    from dataiku_framework.config.api import load_and_validate
    path = tmp_path / "config.yaml"
    path.write_text(_HEAD % "OW" + body, encoding="utf-8")
    return [(d.path, d.code, d.format().splitlines()[0]) for d in load_and_validate(str(path))[1] if d.is_error]


def test_append_on_an_input_is_refused(tmp_path):
    """``append`` means append-instead-of-overwrite of an output: DSS keeps ``appendMode`` on output
    items only (fixture exports: never on an input), so on an input it is refused, not dropped."""
    [(path, code, line)] = _errors(tmp_path, "recipes:\n  - name: r\n    type: sync\n    inputs:\n"
                                             "      - {ref: a, append: true}\n    outputs: [o]\n")
    assert (path, code) == ("recipes[0].inputs[0].append", "recipe.append_input")
    assert "config.yaml:12:" in line and "recipe 'r'" in line and "input 'a'" in line and "outputs only" in line


def test_format_params_without_format_type_are_refused(tmp_path):
    """A dataset's ``formatParams`` are the options of its ``formatType`` (a csv separator, a parquet
    codec): without the format they configure nothing, and the forward never sent them."""
    [(path, code, line)] = _errors(tmp_path, "  - {name: up, type: UploadedFiles, format_params: {separator: ';'}}\n")
    assert (path, code) == ("datasets[4].format_params", "dataset.format_params_alone")
    assert "config.yaml:8:" in line and "dataset 'up'" in line and "format_type" in line
    assert _errors(tmp_path, "  - {name: up, type: UploadedFiles, format_type: csv,"
                             " format_params: {separator: ';'}}\n") == []


def test_engine_over_a_list_payload_is_refused(tmp_path):
    """``engine`` of a recipe whose payload holds the engine (``engineType``: upsert, grouping...) is
    applied on top of the payload, like the readable keys: over a list or text payload it cannot be,
    so validation says so (it was a ValueError traceback at plan time)."""
    [(path, code, line)] = _errors(tmp_path, "recipes:\n  - {name: r, type: upsert, inputs: [a], outputs: [o],"
                                             " engine: DSS, payload: []}\n")
    assert (path, code) == ("recipes[0].payload", "recipe.payload_not_mapping")
    assert "config.yaml:9:" in line and "recipe 'r'" in line and "(engine)" in line
    # where the engine is a recipe param (a sync recipe), a list payload is the payload as written
    assert _errors(tmp_path, "recipes:\n  - {name: r, type: sync, inputs: [a], outputs: [o], engine: DSS,"
                             " payload: []}\n") == []


def test_a_payload_on_a_code_recipe_is_refused(tmp_path):
    """A code recipe's DSS payload is its code, one text: ``code`` (or ``code_file``) says it, so a
    ``payload`` beside it (or instead of it) was silently dropped; validation refuses it."""
    both = _errors(tmp_path, "recipes:\n  - {name: r, type: sql_query, inputs: [a], outputs: [o], code: SELECT 1,"
                             " payload: {a: '0'}}\n")
    alone = _errors(tmp_path, "recipes:\n  - {name: r, type: python, inputs: [a], outputs: [o], payload: 'x = 1'}\n")
    for [(path, code, line)], rtype in ((both, "sql_query"), (alone, "python")):
        assert (path, code) == ("recipes[0].payload", "recipe.code_payload")
        assert "config.yaml:9:" in line and "%s recipe 'r'" % rtype in line and "'code'" in line


def test_a_split_ratio_comes_back_exactly():
    """DSS keeps a split's share as a percentage: the forward's rounding must not lose what the ratio
    says (0.376953125 came back 0.37695312), nor print float noise (0.7 is 70, not 70.00000000000001)."""
    from dataiku_framework.dss import visual
    kind = registry.get("recipe")
    for ratio, share in ((0.376953125, 37.6953125), (0.7, 70), (0.29, 29), (1e-09, None)):
        text = _HEAD % "OW" + "recipes:\n  - {name: s, type: split, inputs: [a], outputs: [o, v], ratio: %r}\n" % ratio
        [(name, rc)] = kind.configured(FrameworkConfig.from_yaml(text))
        desired = kind.desired(rc, None)
        assert share is None or desired["payload"][visual.SPLIT_SHARE_LISTS["RANDOM"]][0]["share"] == share
        assert kind.config_form(desired, name, rc)["ratio"] == ratio
