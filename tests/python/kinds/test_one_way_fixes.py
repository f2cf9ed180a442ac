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
