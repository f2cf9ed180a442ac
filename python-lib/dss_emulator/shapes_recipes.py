"""Default shapes DSS fills in a recipe definition and in the payloads of visual recipes.

Ground truth: ``shared/fixtures/dss-exports/*/project_config/recipes/`` (definitions and ``.shaker``,
``.join``, ``.split`` payloads) and the keys the client's settings helpers index
(``dataikuapi.dss.recipe.*RecipeSettings``), so that ``get_settings()`` then ``add_grouping_key()``,
``raw_joins``, ``add_processor_step()`` ... never raise KeyError on a freshly created recipe.

Generated names (``recipePrototype.name`` null), documented DSS-like patterns:
  * ``split``                          -> ``split_<first input>``
  * ``prediction_scoring``/``clustering_scoring`` -> ``score_<main input>``
  * ``evaluation``/``standalone_evaluation``      -> ``evaluate_on_<main input>``
  * ``prediction_training``            -> ``train_<first input>``
  * everything else                    -> ``compute_<first output>`` (``compute_<first input>`` without output)
  A taken name gets ``_1``, ``_2``... appended. A foreign ref ``PROJ.name`` contributes ``name``.
"""
import copy
import json
import re

CODE_TYPES = ("python", "r", "sql_script", "sql_query", "pyspark", "sparkr", "spark_scala", "shell",
              "spark_sql_query", "cpython", "ksql", "streaming_spark_scala", "hive", "impala", "julia")
ENV_TYPES = ("python", "r", "pyspark", "sparkr", "cpython")     # code recipes with a code-env selection
SQL_ENGINE_TYPES = ("sql_query", "sql_script")
SPARK_TYPES = ("pyspark", "sparkr", "spark_scala", "spark_sql_query", "streaming_spark_scala")
# Recipe types whose non-main roles hold saved models / evaluation stores the emulator does not model.
ML_TYPES = ("prediction_training", "clustering_training", "prediction_scoring", "clustering_scoring",
            "evaluation", "standalone_evaluation", "nlp_llm_evaluation", "nlp_agent_evaluation",
            "nlp_llm_rag_embedding", "embed_documents", "prompt", "extract_content", "extract_fields")

_SANITIZE = re.compile(r"[^A-Za-z0-9_]")


def no_filter():
    return {"distinct": False, "enabled": False}


def visual_engine_params():
    """``engineParams`` of visual recipes (payload side), from the fixtures' .join/.split payloads."""
    return {
        "hive": {"skipPrerunValidate": False, "hiveconf": [], "inheritConf": "default", "addDkuUdf": False,
                 "executionEngine": "HIVESERVER2"},
        "sqlPipelineParams": {"pipelineAllowMerge": True, "pipelineAllowStart": True},
        "impala": {"forceStreamMode": True},
        "lowerCaseSchemaIfEngineRequiresIt": True,
        "sparkSQL": {"skipPrerunValidate": False, "pipelineAllowMerge": True, "useGlobalMetastore": False,
                     "pipelineAllowStart": True, "readParams": {"mode": "AUTO", "autoModeRepartitionInto": 10,
                                                                 "map": {}},
                     "overwriteOutputSchema": False, "executionEngine": "SPARK_SUBMIT",
                     "sparkConfig": {"inheritConf": "default", "conf": []}},
    }


def shaker_engine_params():
    """``params.engineParams`` of a prepare (shaker) recipe (definition side), from the fixtures."""
    return {
        "spark": {"readParams": {"mode": "AUTO", "autoModeRepartitionInto": 10, "map": {}},
                  "useGlobalMetastore": False, "useNativeProcessors": True,
                  "sparkConfig": {"inheritConf": "default", "conf": []}, "executionEngine": "SPARK_SUBMIT",
                  "pipelineAllowStart": True, "pipelineAllowMerge": True, "skipPrerunValidate": False},
        "hive": {"inheritConf": "default", "hiveconf": [], "executionEngine": "HIVESERVER2", "addDkuUdf": False,
                 "skipPrerunValidate": False},
        "impala": {"forceStreamMode": True},
        "hadoopConfigKeys": [],
        "sqlPipelineParams": {"pipelineAllowStart": True, "pipelineAllowMerge": True},
        "maxThreads": 8,
        "containerSelection": {"containerMode": "INHERIT"},
    }


def recipe_params(rtype):
    """The definition's ``params`` for a recipe type."""
    if rtype in ENV_TYPES:
        params = {"envSelection": {"envMode": "INHERIT"}, "containerSelection": {"containerMode": "INHERIT"},
                  "skipPrerunValidate": False}
        if rtype in SPARK_TYPES:
            params["sparkConfig"] = {"inheritConf": "default", "conf": []}
        return params
    if rtype in ("shaker", "prepare"):
        return {"engineParams": shaker_engine_params()}
    if rtype in ML_TYPES or rtype in SPARK_TYPES:
        return {"containerSelection": {"containerMode": "INHERIT"}}
    return {}


def recipe_definition(project_key, name, rtype, inputs, outputs):
    """A complete recipe definition as DSS stores it (newest fixture's field set)."""
    return {
        "projectKey": project_key, "name": name, "type": rtype,
        "neverRecomputeExistingPartitions": False, "optionalDependencies": False,
        "params": recipe_params(rtype),
        "customMeta": {"kv": {}}, "redispatchPartitioning": False, "maxRunningActivities": 0,
        "hashPropagationBehavior": "INHERIT", "variables": {}, "dkuProperties": [],
        "inputs": normalize_roles(inputs, "inputs"), "outputs": normalize_roles(outputs, "outputs"),
        "labels": [], "tags": [], "customFields": {}, "checklists": {"checklists": []},
    }


def normalize_roles(roles, side):
    """Inputs get ``deps: []``, outputs ``appendMode: false``, as DSS stores them."""
    out = {}
    for role, obj in (roles or {}).items():
        items = []
        for item in (obj or {}).get("items") or []:
            item = copy.deepcopy(item)
            if side == "inputs":
                item.setdefault("deps", [])
            else:
                item.setdefault("appendMode", False)
            items.append(item)
        out[role] = dict(copy.deepcopy(obj or {}), items=items)
    return out


def refs(definition, side, role=None):
    """The refs of a recipe's inputs or outputs (optionally of one role), in order."""
    roles = definition.get(side) or {}
    chosen = [roles.get(role)] if role else list(roles.values())
    return [i.get("ref") for r in chosen for i in (r or {}).get("items") or [] if i.get("ref")]


def generated_name(rtype, inputs, outputs, taken):
    """A DSS-like name for a recipe created with ``name: null`` (see the module docstring)."""
    def local(ref):
        return _SANITIZE.sub("_", ref.split(".", 1)[-1]) if ref else ref
    first_in = local(inputs[0]) if inputs else None
    first_out = local(outputs[0]) if outputs else None
    if rtype == "split" and first_in:
        base = "split_%s" % first_in
    elif rtype in ("prediction_scoring", "clustering_scoring") and first_in:
        base = "score_%s" % first_in
    elif rtype in ("evaluation", "standalone_evaluation") and first_in:
        base = "evaluate_on_%s" % first_in
    elif rtype in ("prediction_training", "clustering_training") and first_in:
        base = "train_%s" % first_in
    else:
        base = "compute_%s" % (first_out or first_in or rtype)
    name, n = base, 0
    while name in taken:
        n += 1
        name = "%s_%d" % (base, n)
    return name


# -- payloads -----------------------------------------------------------------------------------
def virtual_input(index, label, join=False):
    vi = {"index": index, "originLabel": label, "preFilter": no_filter(), "computedColumns": []}
    if join:
        vi["autoSelectColumns"] = True
    else:
        vi["columnsMatch"] = []
    return vi


def guessed_joins(schemas):
    """DSS's creator "guesses joins by matching column names": input 0 LEFT JOIN each other input
    on the first column name they share (no condition when none is shared or schemas are empty)."""
    joins = []
    first = [c.get("name") for c in (schemas[0] if schemas else [])]
    for i in range(1, len(schemas)):
        other = {c.get("name") for c in schemas[i]}
        common = [n for n in first if n in other]
        on = [{"type": "EQ", "column1": {"name": common[0], "table": 0}, "column2": {"name": common[0], "table": i},
               "maxMatches": 1, "caseInsensitive": False, "maxDistance": 0, "normalizeText": False,
               "dateDiffUnit": "DAY", "strict": False}] if common else []
        joins.append({"table1": 0, "table2": i, "type": "LEFT", "conditionsMode": "AND", "on": on,
                      "outerJoinOnTheLeft": True})
    return joins


def shaker_payload():
    return {
        "columnsSelection": {"mode": "ALL"},
        "explorationSampling": {"_refreshTrigger": 0, "selection": {
            "filter": no_filter(), "latestPartitionsN": 1, "maxRecords": 10000,
            "ordering": {"rules": [], "enabled": False}, "withinFirstN": -1, "partitionSelectionMethod": "ALL",
            "maxStoredBytes": 104857600, "targetRatio": 0.02, "maxReadUncompressedBytes": -1,
            "samplingMethod": "HEAD_SEQUENTIAL"}, "autoRefreshSample": False},
        "explorationFilters": [], "origin": "PREPARE_RECIPE", "exploreUIParams": {"autoRefresh": True},
        "steps": [], "maxProcessedMemTableBytes": -1, "previewMode": "ALL_ROWS",
        "vizSampling": {"_refreshTrigger": 0, "autoRefreshSample": False}, "analysisColumnData": {},
        "columnWidthsByName": {}, "sorting": [], "globalSearchQuery": "",
        "coloring": {"scheme": "MEANING_AND_STATUS", "individualColumns": [], "valueColoringMode": "HASH"},
    }


def _with_engine(payload):
    payload.setdefault("engineParams", visual_engine_params())
    return payload


def _grouping(cs, ctx):
    key = cs.get("groupKey")
    return {"keys": [{"column": key}] if key else [], "values": [], "globalCount": True,
            "preFilter": no_filter(), "computedColumns": [], "postFilter": no_filter(),
            "outputColumnNameOverrides": {}}


def _join(cs, ctx):
    labels = ctx["input_names"]
    return {"virtualInputs": [virtual_input(i, n, join=True) for i, n in enumerate(labels)],
            "joins": guessed_joins(ctx["input_schemas"]), "selectedColumns": [], "resolvedSelectedColumns": [],
            "computedColumns": [], "postFilter": no_filter(), "enableAutoCastInJoinConditions": False}


def _vstack(cs, ctx):
    labels = ctx["input_names"]
    return {"virtualInputs": [virtual_input(i, n) for i, n in enumerate(labels)], "mode": "UNION",
            "selectedColumns": [], "copySchemaFromDatasetWithName": labels[0] if labels else None,
            "originColumnName": "original_dataset", "addOriginColumn": False, "postFilter": no_filter()}


def _split(cs, ctx):
    return {"mode": "RANDOM", "defaultOutputIndex": 0, "seed": 1337, "randomSplits": [], "randomColumns": [],
            "randomColumnsSplits": [], "valueSplits": [], "rangeSplits": [], "rangeSetTime": False,
            "filterSplits": [], "centileSplits": [], "centileOrders": [], "centileShuffle": False,
            "centileTDigest": False, "preFilter": no_filter(), "computedColumns": [],
            "writeComputedColumnsInOutput": False}


def _window(cs, ctx):
    return {"windows": [{"prefix": None, "partitioningColumns": [], "orders": [], "enablePartitioning": False,
                         "enableOrdering": False, "enableLimits": False, "limitPreceding": 1,
                         "limitFollowing": 1}],
            "values": [], "preFilter": no_filter(), "computedColumns": [], "postFilter": no_filter()}


def _sort(cs, ctx):
    return {"orders": [], "rowNumber": False, "rank": False, "denseRank": False, "preFilter": no_filter(),
            "computedColumns": []}


def _distinct(cs, ctx):
    return {"keys": [], "globalCount": False, "preFilter": no_filter(), "postFilter": no_filter(),
            "computedColumns": []}


def _topn(cs, ctx):
    return {"firstRows": 10, "lastRows": 0, "keys": [], "orders": [], "retrievedColumns": [],
            "denseRank": False, "rank": False, "rowNumber": False, "duplicateCount": False,
            "preFilter": no_filter(), "computedColumns": []}


def _pivot(cs, ctx):
    return {"pivots": [{"keyColumns": [], "valueColumns": [], "globalCount": False, "explicitValues": [],
                        "valueLimit": "TOP_N", "topnLimit": 20, "minOccLimit": 0}],
            "explicitIdentifiers": [], "identifierColumnsSelection": "EXPLICIT", "otherColumns": [],
            "preFilter": no_filter(), "computedColumns": []}


def _sampling(cs, ctx):
    return {"selection": {"samplingMethod": "HEAD_SEQUENTIAL", "maxRecords": 30000, "targetRatio": 0.1,
                          "partitionSelectionMethod": "ALL", "latestPartitionsN": 1, "filter": no_filter(),
                          "ordering": {"enabled": False, "rules": []}}}


def _upsert(cs, ctx):
    key = cs.get("upsertKey")
    return {"keys": [{"column": key}] if key else [], "computedColumns": [], "preFilter": no_filter()}


def _generate_features(cs, ctx):
    labels = ctx["input_names"]
    return {"virtualInputs": [virtual_input(i, n, join=True) for i, n in enumerate(labels)], "relations": [],
            "featureTransformations": [], "primaryDatasetTimeSettings": None}


VISUAL_PAYLOADS = {
    "grouping": _grouping, "join": _join, "fuzzyjoin": _join, "geojoin": _join, "vstack": _vstack,
    "split": _split, "window": _window, "sort": _sort, "distinct": _distinct, "topn": _topn,
    "pivot": _pivot, "sampling": _sampling, "upsert": _upsert, "generate_features": _generate_features,
}

PYTHON_TEMPLATE = """# -*- coding: utf-8 -*-
import dataiku
import pandas as pd, numpy as np
from dataiku import pandasutils as pdu
%s
"""


def default_code(rtype, inputs, outputs):
    """A DSS-like starter script when a code recipe is created without one."""
    if rtype not in ("python", "pyspark"):
        return ""
    lines = ["", "# Read recipe inputs"]
    for ref in inputs:
        var = _SANITIZE.sub("_", ref.split(".", 1)[-1])
        lines += ['%s = dataiku.Dataset("%s")' % (var, ref), "%s_df = %s.get_dataframe()" % (var, var)]
    lines += ["", "# Write recipe outputs"]
    for ref in outputs:
        var = _SANITIZE.sub("_", ref)
        lines += ['%s = dataiku.Dataset("%s")' % (var, ref), "# %s.write_with_schema(some_df)" % var]
    return PYTHON_TEMPLATE % "\n".join(lines)


def default_payload(rtype, creation_settings, ctx):
    """The payload string of a new recipe. ``ctx`` holds ``input_names``/``input_schemas``/``inputs``/``outputs``."""
    if rtype in CODE_TYPES:
        script = creation_settings.get("script")
        return script if isinstance(script, str) else default_code(rtype, ctx["inputs"], ctx["outputs"])
    if rtype in ("shaker", "prepare"):
        return json.dumps(shaker_payload(), indent=2)
    builder = VISUAL_PAYLOADS.get(rtype)
    if builder is None:
        return json.dumps(creation_settings.get("initialPayload") or {}, indent=2)
    return json.dumps(_with_engine(builder(creation_settings, ctx)), indent=2)


def status(engine, messages):
    """The recipe status object (allMessagesForFrontend, selectedEngine, engines)."""
    severities = [m["severity"] for m in messages]
    order = ["INFO", "SUCCESS", "WARNING", "ERROR"]
    top = max(severities, key=order.index) if severities else None
    engine_obj = {"type": engine, "variant": None, "label": engine, "recommended": True, "isSelectable": True,
                  "statusWarnLevel": "OK"}
    return {"allMessagesForFrontend": {"messages": messages, "anyMessage": bool(messages),
                                       "success": top == "SUCCESS", "warning": top == "WARNING",
                                       "error": top == "ERROR", "maxSeverity": top},
            "selectedEngine": engine_obj, "engines": [copy.deepcopy(engine_obj)]}
