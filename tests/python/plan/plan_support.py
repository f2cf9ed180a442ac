"""Helpers of the plan tests (importable as ``plan_support``): examples, bootstrap (by apply), plan, schema."""
import json
import os

import jsonschema

from emusupport import ADMIN_KEY, ROOT, make_emulator

from dataiku_framework import Engine, FrameworkConfig
from dataiku_framework.state.dssfiles import FOLDER

EXAMPLES = os.path.join(ROOT, "examples")
PLAN_SCHEMA_PATH = os.path.join(ROOT, "python-lib", "dataiku_framework", "schema", "plan-1.0.schema.json")
# what the examples name on the instance (as tests/python/integration/test_bootstrap.py sets up)
EXAMPLE_CONNECTIONS = {"pg_main": "PostgreSQL", "snowflake_dev": "Snowflake", "s3_lake": "S3", "s3_logs": "S3",
                       "hdfs_managed": "HDFS"}
EXAMPLE_FILES = sorted(os.path.relpath(os.path.join(d, f), EXAMPLES) for d, _, fs in os.walk(EXAMPLES) for f in fs
                       if f.endswith(".yaml") and "flow" not in os.path.relpath(d, EXAMPLES).split(os.sep))

with open(PLAN_SCHEMA_PATH, encoding="utf-8") as _handle:
    PLAN_SCHEMA = json.load(_handle)
_VALIDATOR = jsonschema.Draft202012Validator(PLAN_SCHEMA)


def examples_emulator(**kwargs):
    """An emulator with the connections, users, groups and code envs the examples name."""
    emu = make_emulator(connections=dict(EXAMPLE_CONNECTIONS), **kwargs)
    emu.add_api_key("test-examples-owner-key", "analytics_admin")
    emu.add_code_env("py39_pandas")
    for group in ("analysts", "data_engineers"):
        emu.add_group(group)
    return emu


def load_example(name):
    return FrameworkConfig.from_yaml(os.path.join(EXAMPLES, name))


def bootstrap(client, config):
    """Create ``config``'s project as users do: ``Engine.apply`` (plan, then apply, approved), the one
    path that writes projects (issue 14 §10). Returns the apply's ``Result``; fails unless it succeeded."""
    result = Engine(client=client).apply(config)
    assert result.succeeded, "the apply that builds the test project failed: %s %s" % (result.summary(), [
        (r.address, r.status) for r in result.results if r.status != "succeeded"])
    return result


def without_state(client, project_key):
    """Remove the tool's files (apply state, lock) from a project built by ``bootstrap``: the project
    as someone who built the same objects by hand would have it, for plans made without a state."""
    folder = client.get_project(project_key).get_library().get_folder("/" + FOLDER)
    assert folder is not None, "project %s has no %s library folder" % (project_key, FOLDER)
    folder.delete()


def plan(client, config, **kwargs):
    """A plan of ``config`` whose document is checked against the shipped JSON Schema."""
    result = Engine(client=client).plan(config, **kwargs)
    assert_valid(result.doc)
    json.loads(result.to_json())  # serialisable as promised
    return result


def assert_valid(doc):
    errors = sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "plan does not match plan-1.0.schema.json: %s" % "; ".join(
        "%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in errors[:5])


def not_noop(result):
    return [rc for rc in result.resource_changes if rc.action != "no-op"]


def only_change(result):
    """The single changed resource of ``result`` (fails listing them all when there are several)."""
    changed = not_noop(result)
    assert len(changed) == 1, "expected exactly one changed resource, got: %s" % [
        (rc.address, rc.action, rc.changes) for rc in changed]
    return changed[0]


def client_of(emu):
    return emu.client(ADMIN_KEY)
