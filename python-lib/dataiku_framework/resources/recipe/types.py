"""Recipe types: the config's names and DSS's, one table both directions (the translation, the plan
and the import read it; apart from ``__init__`` so that the inverse can import it while the kind loads)."""
from typing import Dict

from ..tables import Bimap

# config recipe type <-> DSS recipe type, where the two differ (the rest are spelled alike); the
# schema's ``x-aliases`` (``sql``, ``shaker``) are other spellings of a config type
RECIPE_TYPES = Bimap([("prepare", "shaker")])


def dss_type(config_type: str) -> str:
    """The DSS type of a config recipe type (aliases first: ``sql`` is ``sql_query``)."""
    canonical = _aliases().get(config_type, config_type)
    return RECIPE_TYPES.to_dss(canonical) if canonical in RECIPE_TYPES.config_values() else canonical


def config_type(dss_type_name: str) -> str:
    """The config type the import writes for a DSS recipe type (the inverse of ``dss_type``)."""
    return RECIPE_TYPES.to_config(dss_type_name, dss_type_name)


def _aliases() -> Dict[str, str]:
    from ...config.schema_check import load_schema
    return load_schema()["$defs"]["Recipe"]["properties"]["type"].get("x-aliases") or {}
