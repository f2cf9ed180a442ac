"""Every macro and scenario-step descriptor is what DSS needs, and every entry point stays thin.

Why strict JSON: DSS's own parser accepts comments, Python's ``json`` does not,
and tools (this test, the zip builder) read the descriptors with ``json``.
Why thin entry points: ``runnable.py``/``step.py`` only run inside DSS, so any
logic there escapes the tests; they must only read parameters and call
``dataiku_framework``.
"""
import glob
import json
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

#: Parameter types documented for plugin components (reference §1.5).
PARAM_TYPES = {
    "BOOLEAN", "DATE", "DOUBLE", "DOUBLES", "INT", "INTS", "PASSWORD", "STRING", "STRINGS", "TEXTAREA",
    "ARRAY", "KEY_VALUE_LIST", "MAP", "MULTISELECT", "OBJECT_LIST", "SELECT",
    "API_SERVICE", "API_SERVICE_VERSION", "BUNDLE", "CLUSTER", "CODE_ENV", "COLUMN", "COLUMNS", "CONNECTION",
    "CONNECTIONS", "DATASET", "DATASET_COLUMN", "DATASET_COLUMNS", "DATASETS", "LLM", "KNOWLEDGE_BANK",
    "MANAGED_FOLDER", "ML_TASK", "PLUGIN", "PROJECT", "SAVED_MODEL", "SCENARIO", "VISUAL_ANALYSIS",
    "CREDENTIAL_REQUEST", "PRESET", "PRESETS", "SEPARATOR",
}
RESULT_TYPES = {"NONE", "HTML", "FOLDER_FILE", "FILE", "URL", "RESULT_TABLE", "JSON_OBJECT"}
PERMISSIONS = {"ADMIN", "READ_CONF", "WRITE_CONF"}
MACRO_ROLES = {"DATASET", "DATASETS", "API_SERVICE", "API_SERVICE_VERSION", "BUNDLE", "VISUAL_ANALYSIS",
               "SAVED_MODEL", "MANAGED_FOLDER", "PROJECT_MACROS", "PROJECT_CREATOR"}
MAX_ENTRY_POINT_LINES = 60

RUNNABLES = sorted(glob.glob(os.path.join(ROOT, "python-runnables", "*", "runnable.json")))
STEPS = sorted(glob.glob(os.path.join(ROOT, "python-steps", "*", "step.json")))
DESCRIPTORS = RUNNABLES + STEPS


#: Where every component that reads a configuration finds it: a managed folder, or git (issue 16 §1).
SOURCE_PARAMS = [("source", "SELECT"), ("folder", "MANAGED_FOLDER"), ("git_url", "STRING"), ("git_ref", "STRING"),
                 ("git_credentials", "PRESET")]
READERS = [p for p in DESCRIPTORS if any(x.get("type") == "MANAGED_FOLDER" for x in json.load(open(p))["params"])
           and "export-project-yaml" not in p]


def _rel(path):
    return os.path.relpath(path, ROOT)


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)  # strict: no comments, no trailing commas, double quotes


def test_the_components_exist():
    assert "python-runnables/validate-config/runnable.json" in [_rel(p) for p in RUNNABLES]
    assert "python-steps/validate-config/step.json" in [_rel(p) for p in STEPS]
    assert "python-runnables/plan/runnable.json" in [_rel(p) for p in RUNNABLES]
    assert "python-steps/check-drift/step.json" in [_rel(p) for p in STEPS]
    assert {"python-runnables/%s/runnable.json" % m for m in ("apply", "rollback", "unlock")} <= {
        _rel(p) for p in RUNNABLES}
    assert "python-steps/apply-config/step.json" in [_rel(p) for p in STEPS]


def test_components_that_change_dss_declare_admin_rights():
    """Apply, Rollback and Unlock change DSS: project admin rights (checked again in code), an HTML result."""
    for name, label in (("apply", "Apply"), ("rollback", "Rollback"), ("unlock", "Unlock")):
        macro = _load(os.path.join(ROOT, "python-runnables", name, "runnable.json"))
        assert macro["meta"]["label"] == label
        assert (macro["impersonate"], macro["permissions"], macro["resultType"], macro["macroRoles"]) == (
            False, ["ADMIN"], "HTML", [{"type": "PROJECT_MACROS"}])


def test_apply_components_share_parameters():
    """The Apply macro reads the Plan macro's parameters plus its own; the step adds mode and fail_on,
    whose choices are the ones the code accepts."""
    from dataiku_framework.plugin.apply import FAIL_ON, MODES
    plan = _load(os.path.join(ROOT, "python-runnables", "plan", "runnable.json"))
    macro = _load(os.path.join(ROOT, "python-runnables", "apply", "runnable.json"))
    step = _load(os.path.join(ROOT, "python-steps", "apply-config", "step.json"))
    plan_params = _without_store(plan["params"])
    assert macro["params"][:len(plan_params)] == plan_params
    assert [p["name"] for p in macro["params"][len(plan_params):]] == ["allow_delete", "lock_timeout"]
    assert [p for p in _without_store(step["params"]) if p["name"] not in ("mode", "fail_on")] == macro["params"]
    assert step["meta"]["label"] == "Apply project configuration"
    selects = [p for p in step["params"] if p["type"] == "SELECT" and p["name"] != "source"]  # source: below
    assert {p["name"]: [c["value"] for c in p["selectChoices"]] for p in selects} == {
        "mode": list(MODES), "fail_on": list(FAIL_ON)}
    assert [p.get("defaultValue") for p in selects] == ["apply", "never"]


def _without_store(params):
    """The parameters but "Store the plan" (issue 15), which only the Plan macro and the apply step have."""
    return [p for p in params if p["name"] != "store_plan"]


def test_plan_components_share_parameters():
    """The Plan macro (read rights, HTML) and the Check drift step read their parameters with one function."""
    macro = _load(os.path.join(ROOT, "python-runnables", "plan", "runnable.json"))
    step = _load(os.path.join(ROOT, "python-steps", "check-drift", "step.json"))
    assert _without_store(macro["params"]) == step["params"]
    assert [(p["name"], p["type"]) for p in _without_store(macro["params"])] == SOURCE_PARAMS + [
        ("config_path", "STRING"), ("environment", "STRING"), ("target_project", "STRING"), ("parallelism", "INT")]
    assert (macro["impersonate"], macro["permissions"], macro["resultType"], macro["macroRoles"]) == (
        False, ["READ_CONF"], "HTML", [{"type": "PROJECT_MACROS"}])


@pytest.mark.parametrize("path", DESCRIPTORS, ids=_rel)
def test_descriptor_meta_and_params(path):
    descriptor = _load(path)
    meta = descriptor["meta"]
    assert isinstance(meta.get("label"), str) and meta["label"].strip()
    names = []
    for param in descriptor.get("params", []):
        assert param.get("type") in PARAM_TYPES, param
        if param["type"] == "SEPARATOR":
            continue
        assert re.match(r"^[A-Za-z][A-Za-z0-9_]*$", param.get("name", "")), param  # no leading '_' (reserved)
        assert isinstance(param.get("label"), str) and param["label"].strip(), param
        if param["type"] == "SELECT":
            assert param.get("selectChoices") or param.get("getChoicesFromPython"), param
        if param["type"] == "BOOLEAN" and "defaultValue" in param:
            assert isinstance(param["defaultValue"], bool), param
        names.append(param["name"])
    assert len(names) == len(set(names)), "duplicate parameter names in %s" % _rel(path)


@pytest.mark.parametrize("path", RUNNABLES, ids=_rel)
def test_runnable_keys(path):
    descriptor = _load(path)
    assert descriptor["resultType"] in RESULT_TYPES
    assert isinstance(descriptor["impersonate"], bool)
    assert set(descriptor.get("permissions", [])) <= PERMISSIONS
    for role in descriptor.get("macroRoles", []):
        assert role["type"] in MACRO_ROLES, role
        if role["type"] not in ("PROJECT_MACROS", "PROJECT_CREATOR"):
            params = {p.get("name") for p in descriptor.get("params", [])}
            keys = role.get("targetParamsKeys") or [role.get("targetParamsKey")]
            assert set(keys) <= params, role


@pytest.mark.parametrize("path", STEPS, ids=_rel)
def test_step_has_no_macro_keys(path):
    assert set(_load(path)) <= {"meta", "params", "paramsPythonSetup"}


def test_validate_config_components_share_parameters():
    """The macro and the step read their parameters with the same function, so they must declare the same ones."""
    macro = _load(os.path.join(ROOT, "python-runnables", "validate-config", "runnable.json"))
    step = _load(os.path.join(ROOT, "python-steps", "validate-config", "step.json"))
    assert _without_store(macro["params"]) == step["params"]
    assert [(p["name"], p["type"]) for p in _without_store(macro["params"])] == SOURCE_PARAMS + [
        ("config_path", "STRING"), ("environment", "STRING"), ("target_project", "STRING"), ("online", "BOOLEAN")]
    assert macro["meta"]["label"] == "Validate project configuration"
    assert (macro["impersonate"], macro["permissions"], macro["resultType"], macro["macroRoles"]) == (
        False, ["READ_CONF"], "RESULT_TABLE", [{"type": "PROJECT_MACROS"}])


@pytest.mark.parametrize("path", DESCRIPTORS, ids=_rel)
def test_every_component_declares_an_optional_target_project(path):
    """Issue 14 §3: a component acts on the project it runs in; another one only through this
    explicit, optional parameter (read by ``plugin.scope.target_from_config``)."""
    from dataiku_framework.plugin.scope import TARGET_LABEL, TARGET_PARAM
    [param] = [p for p in _load(path)["params"] if p.get("name") == TARGET_PARAM]
    assert (param["type"], param["label"], param.get("mandatory")) == ("STRING", TARGET_LABEL, False)
    assert "administer" in param["description"]


@pytest.mark.parametrize("path", DESCRIPTORS, ids=_rel)
def test_entry_point_is_thin(path):
    code_path = os.path.join(os.path.dirname(path), "runnable.py" if path.endswith("runnable.json") else "step.py")
    with open(code_path, encoding="utf-8") as handle:
        code = handle.read()
    assert len(code.splitlines()) <= MAX_ENTRY_POINT_LINES, "%s: move logic to python-lib" % _rel(code_path)
    assert re.search(r"^from dataiku_framework\.", code, re.M), "%s must call dataiku_framework" % _rel(code_path)
    compile(code, code_path, "exec")
    if path.endswith("runnable.json"):
        assert len(re.findall(r"^class \w+\(Runnable\):", code, re.M)) == 1  # DSS runs the one Runnable subclass


@pytest.mark.parametrize("path", READERS, ids=_rel)
def test_every_reader_of_a_configuration_offers_a_folder_or_git(path):
    """The source choice, and the git parameters shown only for git, with the credentials from the
    ``git-credentials`` parameter set, whose fields are the ones ``sources.git.credentials_from_preset`` reads."""
    params = _load(path)["params"]
    assert [(p["name"], p["type"]) for p in params[:len(SOURCE_PARAMS)]] == SOURCE_PARAMS
    source = params[0]
    assert [c["value"] for c in source["selectChoices"]] == ["folder", "git"] and source["defaultValue"] == "folder"
    assert params[1]["mandatory"] is False and params[1]["visibilityCondition"] == "model.source != 'git'"
    assert {p["visibilityCondition"] for p in params[2:len(SOURCE_PARAMS)]} == {"model.source == 'git'"}
    preset = _load(os.path.join(ROOT, "parameter-sets", params[4]["parameterSetId"], "parameter-set.json"))
    fields = {p["name"]: p["type"] for p in preset["params"]}
    assert fields == {"token": "PASSWORD", "username": "STRING", "ssh_private_key": "TEXTAREA",
                      "known_hosts": "TEXTAREA", "strict_host_key_checking": "BOOLEAN"}
    assert preset["defaultDefinableInline"] is False  # a secret is never stored in a macro's or step's parameters
    from dataiku_framework.sources.git import credentials_from_preset
    creds = credentials_from_preset({"token": "t", "username": "u", "ssh_private_key": "k", "known_hosts": "h",
                                     "strict_host_key_checking": False})
    assert creds == ("t", "u", "k", "h", False)
    assert credentials_from_preset(None).strict_host_keys is True
