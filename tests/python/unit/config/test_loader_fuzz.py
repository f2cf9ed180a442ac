"""Property tests: bad input never escapes as anything but ConfigError, and the checker equals jsonschema.

Thousands of documents in total: random YAML-ish text, mutations of the real
examples (byte edits, line shuffles, value swaps) and random JSON-like values
placed into a valid configuration.
"""

import glob
import os
import re
import tempfile

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from dataiku_framework.config import ConfigError, FrameworkConfig
from dataiku_framework.config.api import load_and_validate
from dataiku_framework.config.schema_check import anchored, check_document, load_schema
from config_support import EXAMPLES, at_least



SETTINGS = settings(max_examples=at_least(1000), suppress_health_check=list(HealthCheck))
SEEDS = [open(p, encoding="utf-8").read() for p in sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))]
YAML_BITS = st.sampled_from(["\n", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!str ", "!!python/name:x ", "'", '"',
                             "<<: ", "---\n", "  ", "\t", "#", "|\n", "${env:X}", "name", "type", "datasets", "\x00",
                             "\ud800", "AKIAIOSFODNN7EXAMPLE", "? ", "%YAML 1.1\n", "&b [*a, *a]", "1e5", "NO"])
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                           max_leaves=8)


def _ecma_pattern(validator, pattern, instance, schema):
    """``pattern`` as JSON Schema means it (ECMA-262: ``$`` is the true end, never before a final
    newline), which is what our checker implements with ``\\Z``; jsonschema uses Python's ``$``."""
    if validator.is_type(instance, "string") and not re.search(anchored(pattern), instance):
        yield jsonschema.ValidationError("%r does not match %r" % (instance, pattern))


VALIDATOR = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _ecma_pattern})(load_schema())


def _assert_located(diagnostics):
    """Every diagnostic says where: file, line and column, or at least an object path."""
    for diag in diagnostics:
        assert diag.summary
        assert diag.has_location or diag.path, diag


def _from_yaml(source, env=None):
    """``FrameworkConfig.from_yaml``: a config, or ConfigError whose every diagnostic is located."""
    try:
        return FrameworkConfig.from_yaml(source, env=env)
    except ConfigError as error:
        assert error.diagnostics
        _assert_located(error.diagnostics)
        return None


def _check_outcome(text):
    """Loading must return located diagnostics or a config; from_yaml may only raise ConfigError."""
    loaded, diagnostics = load_and_validate(text if "\n" in text else text + "\n")
    for diag in diagnostics:
        assert diag.has_location, diag
        assert diag.summary
    _from_yaml(text + "\n")


@SETTINGS
@given(st.lists(YAML_BITS | st.text(max_size=5), max_size=30).map("".join))
def test_random_yaml_text_never_escapes(text):
    _check_outcome(text)


@SETTINGS
@given(st.sampled_from(SEEDS), st.integers(min_value=0, max_value=4000), st.integers(min_value=0, max_value=40),
       YAML_BITS | st.text(max_size=4))
def test_mutated_examples_never_escape(seed, position, cut, insert):
    position %= len(seed)
    _check_outcome(seed[:position] + insert + seed[position + cut:])


@SETTINGS
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_shuffled_lines_never_escape(seed, rnd):
    lines = seed.splitlines()
    i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    _check_outcome("\n".join(lines))


LARGE = os.path.join(EXAMPLES, "large_project")
LARGE_FILES = {name: open(os.path.join(LARGE, name), encoding="utf-8").read()
               for name in ("main.yaml", os.path.join("flow", "datasets.yaml"), os.path.join("flow", "recipes.yaml"))}
OVERLAY = st.dictionaries(st.sampled_from(["connection", "conection", "table", "type", "managed", "zone", "code",
                                           "code_file", "partitioning", "lifecycle", "tags", "inputs", "triggers",
                                           "description", "name"]),
                          JSON_VALUES | st.sampled_from(["${env:UNSET_FUZZ_VAR}", "${env:X:-1}", "${x}", "s3_logs"]),
                          max_size=3)
ENVIRONMENT = st.fixed_dictionaries({}, optional={
    "connections": st.dictionaries(st.sampled_from(["s3_logs", "other"]), JSON_VALUES, max_size=2),
    "variables": JSON_VALUES,
    "project": st.dictionaries(st.sampled_from(["name", "key", "nam", "variables"]), JSON_VALUES, max_size=2),
    "datasets": st.dictionaries(st.sampled_from(["web_logs", "web_sessions", "nope"]), OVERLAY | JSON_VALUES, max_size=2),
    "recipes": st.dictionaries(st.sampled_from(["sessionize", "nope"]), OVERLAY, max_size=2),
    "scenarios": st.dictionaries(st.sampled_from(["nightly", "nope"]), OVERLAY, max_size=1),
    "bogus": JSON_VALUES})


@settings(max_examples=at_least(150), suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(["dev", "prod", "bad name"]), ENVIRONMENT | JSON_VALUES, max_size=2),
       st.sampled_from(sorted(LARGE_FILES)), st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=20),
       YAML_BITS | st.text(max_size=4), st.sampled_from([None, "dev", "prod", "qa"]))
def test_include_and_environment_documents_never_escape(environments, mutated, position, cut, insert, env):
    """A real include layout with random environments and one mutated file, loaded from disk with and without --env."""
    with tempfile.TemporaryDirectory() as folder:
        for name, text in LARGE_FILES.items():
            if name == "main.yaml":
                text += yaml.safe_dump({"environments": environments}, allow_unicode=True)
            if name == mutated:
                position %= len(text)
                text = text[:position] + insert + text[position + cut:]
            path = os.path.join(folder, name)
            if not os.path.isdir(os.path.dirname(path)):
                os.makedirs(os.path.dirname(path))
            with open(path, "w", encoding="utf-8", errors="surrogatepass") as handle:
                handle.write(text)
        main = os.path.join(folder, "main.yaml")
        _assert_located(load_and_validate(main, env=env)[1])
        config = _from_yaml(main, env=env)
        if config is not None:
            try:
                config.resolved(environ={})
            except ConfigError as error:
                _assert_located(error.diagnostics)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, prefix + (index,))


_SEED_DOCS = [FrameworkConfig.from_yaml(p).to_dict() for p in
              sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")) + glob.glob(os.path.join(EXAMPLES, "*", "*.yaml")))
              if os.sep + "flow" + os.sep not in p]


@SETTINGS
@given(st.sampled_from(_SEED_DOCS), st.integers(min_value=0), JSON_VALUES, st.booleans())
def test_compiled_checker_agrees_with_jsonschema(doc, pick, value, as_new_key):
    """Replace (or add next to) one node of a valid document by a random value; both validators must agree."""
    import copy
    doc = copy.deepcopy(doc)
    paths = [p for p in _paths(doc) if p]
    path = paths[pick % len(paths)]
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if as_new_key and isinstance(parent, dict):
        parent["x_" + str(path[-1])] = value
    else:
        parent[path[-1]] = value
    ours = not check_document(doc)
    theirs = VALIDATOR.is_valid(doc)
    assert ours == theirs, (path, value, check_document(doc)[:3], [e.message for e in VALIDATOR.iter_errors(doc)][:3])
