"""One documented shape per command's ``--json`` output: a JSON Schema each, in one place.

Why schemas and not prose: an agent or a CI script parses these documents, so each shape is a
contract; the reference page (``docs/reference/json-output.md``) is generated from ``SCHEMAS`` and a
test runs every command for real and validates its stdout against its schema, so the page cannot
drift from what the commands print.

The rule every command follows with ``--json`` is ``RULE`` (the page's words).
"""
import json
import os
from typing import Any, Dict, List, Tuple

#: What ``--json`` promises, in the reference page's words (Markdown).
RULE = ("On success stdout holds exactly one JSON document of the command's shape; text for a person (the plan "
        "shown before an apply, progress, summaries) goes to stderr. On an error stdout is empty and stderr "
        "holds the error line, with its code: `dss-framework COMMAND: error[CODE]: MESSAGE` (an invalid "
        "configuration prints its diagnostics instead, each `FILE:LINE:COL: error[CODE]: ...`). `validate "
        "--json` is the exception by design: an invalid configuration is its result, not its error, so it "
        "prints the diagnostics document and exits 1; and an apply stopped by Ctrl-C or SIGTERM once it had "
        "begun prints its result (`stopped: \"interrupted\"`) before its error line. Fields may be added in later versions: ignore those "
        "you do not know.")

_STR_OR_NULL = {"type": ["string", "null"]}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"},
           "description": "how many resources ended each way (created, updated, replaced, deleted, failed, skipped)"}


def _object(properties: Dict[str, Any], required: Any = None, description: str = "") -> Dict[str, Any]:
    """An object schema requiring ``required`` (default: every property); further keys are allowed
    (a later version may add some: readers ignore what they do not know, as for the plan document)."""
    schema = {"type": "object", "properties": properties,
              "required": sorted(properties) if required is None else required}  # type: Dict[str, Any]
    if description:
        schema["description"] = description
    return schema


_CODE = {"type": ["string", "null"], "description": "the error code (docs: Troubleshooting), null on success"}

_RESULT = _object({
    "apply_id": dict(_STR_OR_NULL, description="the apply's id (history, rollback --to); null when nothing was done"),
    "operation": {"enum": ["apply", "rollback"]},
    "project_key": {"type": "string"},
    "succeeded": {"type": "boolean", "description": "every resource succeeded and the apply was not stopped"},
    "counts": _COUNTS,
    "writes": {"type": "integer", "description": "write requests sent to DSS"},
    "resources": {"type": "array", "items": _object({
        "address": {"type": "string"}, "kind": {"type": "string"}, "name": {"type": "string"},
        "operation": {"enum": ["create", "update", "replace", "delete"]},
        "status": {"enum": ["succeeded", "failed", "skipped"]},
        "error": dict(_STR_OR_NULL, description="DSS's words when it failed"),
        "code": dict(_CODE, enum=[None, "apply.resource_failed", "apply.resource_skipped"]),
        "duration": {"type": "number", "description": "seconds"}})},
    "notes": {"type": "array", "items": {"type": "string"}},
    "stopped": dict(_STR_OR_NULL, description="why the apply stopped before its end (interrupted, lock lost)"),
}, description="The outcome of an apply or a rollback (apply.result.Result.to_dict).")

_DIAGNOSTIC = _object({
    "severity": {"enum": ["error", "warning"]},
    "summary": {"type": "string"}, "detail": {"type": "string"}, "path": {"type": "string"},
    "code": {"type": "string", "description": "the diagnostic's code (docs: Troubleshooting)"},
    "range": _object({"filename": {"type": "string"},
                      "start": _object({"line": {"type": "integer"}, "column": {"type": "integer"}}),
                      "end": _object({"line": {"type": "integer"}, "column": {"type": "integer"}})}),
    "hint": {"type": "string"},
    "fix": _object({"description": {"type": "string"}, "edits": {"type": "array", "items": _object({
        "filename": {"type": "string"}, "start": {"type": "object"}, "end": {"type": "object"},
        "new_text": {"type": "string"}})}}),
}, required=["severity", "summary", "detail", "path", "code"])

_VALIDATE = _object({
    "format_version": {"const": "1.0"},
    "valid": {"type": "boolean"},
    "error_count": {"type": "integer"},
    "warning_count": {"type": "integer"},
    "diagnostics": {"type": "array", "items": _DIAGNOSTIC},
}, description="The shape of 'terraform validate -json', with path, code, hint and fix added to each diagnostic.")

_PLAN_DOCUMENT = {"type": "object", "required": ["format_version", "metadata", "resource_changes"],
                  "description": "A plan document: its full schema is plan-1.0.schema.json (Reference: Plan document)."}

_HISTORY_ENTRY = _object({
    "apply_id": {"type": "string"},
    "operation": {"type": "string", "description": "apply, rollback, adopt"},
    "user": _STR_OR_NULL, "host": _STR_OR_NULL,
    "started_at": {"type": "string"}, "ended_at": _STR_OR_NULL,
    "config_digest": _STR_OR_NULL, "config_source": _STR_OR_NULL,
    "result": {"enum": [None, "succeeded", "failed", "partial", "interrupted", "abandoned"],
               "description": "null while running"},
    "counts": _COUNTS,
}, required=["apply_id", "started_at", "result", "counts"])

_PLAN_INDEX_ENTRY = _object({
    "id": {"type": "string"},
    "status": {"enum": ["pending", "approved", "applied", "failed", "stale", "discarded"]},
    "author": _STR_OR_NULL, "created_at": {"type": "string"}, "updated_at": _STR_OR_NULL,
    "digest": {"type": "string"}, "source": {"type": ["object", "null"]},
    "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
    "apply_id": _STR_OR_NULL,
})

_IMPORT = _object({
    "project_key": {"type": "string"},
    "summary": {"type": "string"},
    "files": {"type": "array", "items": {"type": "string"}},
    "main_file": _STR_OR_NULL,
    "left_out": {"type": "array", "items": _object({"kind": {"type": "string"}, "name": {"type": "string"},
                                                    "reason": {"type": "string"}})},
    "kept_in_dss_only": {"type": "array", "items": _object({"kind": {"type": "string"}, "name": {"type": "string"},
                                                            "note": {"type": "string"}})},
    "not_listed": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "kind -> why it could not be listed"},
    "adopted": {"oneOf": [{"type": "null"}, _object({"resources": {"type": "integer"}, "serial": {"type": "integer"}})]},
}, description="What import wrote, and what it left out and why.")

_SEVERAL = _object({
    "projects": {"type": "array", "items": _object({
        "project_key": _STR_OR_NULL, "file": _STR_OR_NULL,
        "exit_code": {"type": "integer", "description": "this project's exit status alone"},
        "error": _STR_OR_NULL, "code": _CODE,
        "plan": dict(_PLAN_DOCUMENT, type=["object", "null"]), "result": {"type": ["object", "null"]},
        "diagnostics": {"type": "object", "description": "validate --json's document for this file"},
    }, required=["project_key", "file", "exit_code", "error", "code"])},
    "exit_code": {"type": "integer", "description": "the set's exit status (3 or 4 first, then 1, 2, 0)"},
}, description="validate, plan, drift and apply given several CONFIG arguments or a directory: one entry per "
               "project, with 'diagnostics' (validate), 'plan' (plan, drift) or 'plan' and 'result' (apply).")

#: (command as typed, what it prints with --json, schema), in the page's order.
COMMANDS = [
    ("validate", "the diagnostics (valid or not: exit 0 or 1)", _VALIDATE),
    ("plan", "the plan document", _PLAN_DOCUMENT),
    ("drift", "the comparison as a plan document (exit 2 when DSS drifted)", _PLAN_DOCUMENT),
    ("apply", "the result (also with a saved plan, and when nothing changed)", _RESULT),
    ("history", "the history entries, newest first", {"type": "array", "items": _HISTORY_ENTRY}),
    ("rollback", "the result, operation 'rollback'", _RESULT),
    ("unlock", "the lock released, as its holder wrote it", _object({
        "project_key": {"type": "string"},
        "released": _object({"id": {"type": "string"}, "user": _STR_OR_NULL, "host": _STR_OR_NULL,
                             "pid": {"type": ["integer", "null"]}, "operation": _STR_OR_NULL,
                             "acquired_at": _STR_OR_NULL, "expires_at": _STR_OR_NULL})})),
    ("import", "what was written and left out", _IMPORT),
    ("init", "the files written from the template", _object({
        "template": {"type": "string"}, "main_file": {"type": "string", "description": "validate this one next"},
        "files": {"type": "array", "items": {"type": "string"}}})),
    ("init --list", "the templates", _object({"templates": {"type": "array", "items": _object({
        "name": {"type": "string"}, "description": {"type": "string"}})}})),
    ("init --from-project", "import's document", _IMPORT),
    ("plans list", "the index entries of the stored plans, newest first", {"type": "array", "items": _PLAN_INDEX_ENTRY}),
    ("plans show", "the stored record, its plan document included", _object({
        "id": {"type": "string"}, "project_key": {"type": "string"}, "status": {"type": "string"},
        "digest": {"type": "string"}, "plan": _PLAN_DOCUMENT, "author": _STR_OR_NULL,
        "created_at": {"type": "string"}, "events": {"type": "array", "items": {"type": "object"}},
        "comments": {"type": "array", "items": {"type": "object"}}, "apply_id": _STR_OR_NULL},
        required=["id", "project_key", "status", "digest", "plan", "events"])),
    ("plans apply", "the result of applying the stored plan", _RESULT),
    ("several projects", "validate, plan, drift, apply with several CONFIG", _SEVERAL),
]  # type: List[Tuple[str, str, Dict[str, Any]]]

#: command as typed -> the JSON Schema of its --json stdout
SCHEMAS = {name: dict(schema, **{"$schema": "https://json-schema.org/draft/2020-12/schema",
                                 "title": "dss-framework %s --json" % name})
           for name, _, schema in COMMANDS}  # type: Dict[str, Dict[str, Any]]


def plan_schema() -> Dict[str, Any]:
    """The plan document's own schema (what ``plan`` and ``drift`` print, what ``plans show`` holds)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema", "plan-1.0.schema.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
