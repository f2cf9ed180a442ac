"""Secrets are found by meaning, not by suffix (issue 14 §4): key names and value shapes.

A key is split into words (camelCase, snake_case, kebab-case, digits) and matched against a word
list; values are matched against credential shapes (URL user info, ``password=`` parameters of URLs
and JDBC/ODBC strings, ``Bearer ...``, PEM, ...). In a configuration a hit is a validation error that
never repeats the value; in every output the value is redacted.
"""

import json

import pytest
from hypothesis import given, settings, strategies as st

from dataiku_framework.config.api import load_and_validate
from dataiku_framework.config.diagnostics import render_human, render_json
from dataiku_framework.config.schema_check import load_schema
from dataiku_framework.config.secrets import credential_kind, is_secret_key, key_words, public_url, redact, \
    redact_value
from dataiku_framework.plan.document import redacted
from config_support import MINIMAL, at_least, errors_of
from secret_corpus import NOT_SECRET_KEYS, SAMPLE_SECRETS, SECRET_KEYS, SECRET_VALUES, export_setting_keys


def _schema_keys():
    keys = set()

    def walk(node):
        if isinstance(node, dict):
            keys.update(node.get("properties") or {})
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)
    walk(load_schema())
    return sorted(keys)


def test_the_corpus_is_large_enough():
    assert len(SECRET_KEYS) + len(SECRET_VALUES) >= 60 and len(set(SECRET_KEYS)) == len(SECRET_KEYS)
    assert len(export_setting_keys()) > 1000


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_credential_key_names_are_secret(key):
    assert is_secret_key(key), key_words(key)


def test_no_schema_key_export_key_or_describing_key_is_secret():
    keys = _schema_keys() + export_setting_keys() + NOT_SECRET_KEYS
    assert "authType" in keys and "passThrough" in keys and "low_pass" in keys
    assert [k for k in keys if is_secret_key(k)] == []


def test_key_words_split_case_digits_and_separators():
    assert key_words("apiKeyProd") == ["api", "key", "prod"]
    assert key_words("DB_PASSWORD_2") == ["db", "password", "2"]
    assert key_words("x-api-key") == ["x", "api", "key"]
    assert key_words("HTTPAuthHeader") == ["http", "auth", "header"]
    assert key_words("password1") == ["password", "1"]


@pytest.mark.parametrize("shape", SECRET_VALUES)
def test_credential_value_shapes_are_found_and_redacted(shape):
    value = shape.format("hunter2X9")
    assert credential_kind(value), value
    assert "hunter2X9" not in redact(value) and "<redacted" in redact(value)
    assert "hunter2X9" not in json.dumps(redact_value({"note": value}))


@pytest.mark.parametrize("value", ["jdbc:postgresql://db/sales?user=etl&ssl=true", "https://h/x?mode=a&token_type=b",
                                   "f(password=x)", "WHERE token = 'abc'", "the bearer of the news",
                                   "https://user@host/path", 'url = base + "&api_key=%s" % key',
                                   "https://h/x?token={token}", "jdbc:sqlserver://h;password=<password>;",
                                   "https://h/x?a=1&token=%(token)s", "Driver={x};Pwd=****;"])
def test_values_that_only_mention_credentials_are_not_found(value):
    assert credential_kind(value) is None and redact(value) == value


def test_public_url_drops_the_user_info():
    assert public_url("http://admin:hunter2X9@dss.example.com:11200/") == "http://dss.example.com:11200/"
    assert public_url("https://dss.example.com/a@b") == "https://dss.example.com/a@b"


def _outputs(diagnostics):
    return [render_human(diagnostics), render_json(diagnostics)] + [d.format() for d in diagnostics]


@settings(max_examples=at_least(120))
@given(st.sampled_from(SECRET_KEYS), st.sampled_from(SAMPLE_SECRETS), st.sampled_from(["params", "format_params"]))
def test_a_credential_key_in_a_config_is_an_error_that_does_not_echo(key, secret, section):
    text = MINIMAL + "datasets:\n  - name: D\n    type: HTTP\n    connection: h\n    %s:\n      %s: %s\n" % (
        section, json.dumps(key), json.dumps(secret))
    diags = errors_of(load_and_validate(text)[1])
    hits = [d for d in diags if d.code == "secret"]
    assert len(hits) == 1 and hits[0].path == "datasets[0].%s.%s" % (section, key), [d.format() for d in diags]
    assert (hits[0].line, hits[0].column) == (9, 9 + len(json.dumps(key)))  # at the value
    for output in _outputs(diags):
        assert secret not in output


@settings(max_examples=at_least(120))
@given(st.sampled_from(SECRET_VALUES), st.sampled_from(SAMPLE_SECRETS),
       st.sampled_from(["description", "metadata.note", "params.url"]))
def test_a_credential_value_in_a_config_is_an_error_that_does_not_echo(shape, secret, where):
    value = shape.format(secret)
    section, _, key = where.rpartition(".")
    if section:
        body = "    %s:\n      %s: %s\n" % (section, key, json.dumps(value))
    else:
        body = "    %s: %s\n" % (key, json.dumps(value))
    text = MINIMAL + "datasets:\n  - name: D\n    type: HTTP\n    connection: h\n" + body
    diags = errors_of(load_and_validate(text)[1])
    assert [d.path for d in diags if d.code == "secret"] == ["datasets[0].%s" % where], [d.format() for d in diags]
    for output in _outputs(diags):
        assert secret not in output


@settings(max_examples=at_least(120))
@given(st.sampled_from(SECRET_KEYS), st.sampled_from(SAMPLE_SECRETS + [12345678, True]))
def test_redact_value_hides_every_credential_key_and_pair(key, secret):
    doc = {"params": {key: secret, "plain": "visible"}, "properties": [{"name": key, "value": secret}],
           key: [{"name": "anything", "value": secret}]}
    for shown in (json.dumps(redact_value(doc)), json.dumps(redacted(doc))):
        assert json.dumps(secret) not in shown and "visible" in shown


@pytest.mark.parametrize("module", ["dataiku_framework.apply.run", "dataiku_framework.state.lock"])
def test_the_tool_logs_redacted_messages(module, caplog):
    """Warnings quote DSS's error texts, which quote what they were sent."""
    import importlib
    import logging
    log = importlib.import_module(module).log
    with caplog.at_level(logging.WARNING, logger=module):
        log.warning("could not write (%s)", RuntimeError("Connection jdbc:postgresql://h/db?password=hunter2X9 missing"))
    assert "hunter2X9" not in caplog.text and "password=<redacted" in caplog.text


CREDENTIAL_PHRASES = [["password"], ["passwd"], ["pass"], ["pwd"], ["pw"], ["secret"], ["token"], ["api", "key"],
                      ["apikey"], ["private", "key"], ["ssh", "key"], ["credentials"], ["auth"], ["authorization"],
                      ["bearer"], ["passphrase"], ["encryption", "key"], ["client", "secret"], ["access", "key"],
                      ["session", "key"], ["cookie"], ["signature"]]
QUALIFIERS = [[], ["db"], ["prod"], ["my", "service"], ["snowflake"], ["smtp"], ["oauth"]]
SUFFIXES = [[], ["prod"], ["2"], ["v2"], ["old"], ["pem"], ["header"], ["b64"], ["value"], ["for", "sftp"]]
DESCRIBING = [["type"], ["mode"], ["name"], ["url"], ["endpoint"], ["enabled"], ["file"], ["version"], ["id"]]


def _spelled(words, style):
    if style == "snake":
        return "_".join(words)
    if style == "kebab":
        return "-".join(words)
    if style == "upper":
        return "_".join(words).upper()
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])  # camel


STYLES = st.sampled_from(["snake", "kebab", "upper", "camel"])


@settings(max_examples=at_least(300))
@given(st.sampled_from(QUALIFIERS), st.sampled_from(CREDENTIAL_PHRASES), st.sampled_from(SUFFIXES), STYLES)
def test_a_credential_phrase_in_any_spelling_and_context_is_secret(before, phrase, after, style):
    key = _spelled(before + phrase + after, style)
    assert is_secret_key(key), (key, key_words(key))


@settings(max_examples=at_least(200))
@given(st.sampled_from(QUALIFIERS), st.sampled_from(CREDENTIAL_PHRASES), st.sampled_from(DESCRIBING), STYLES)
def test_a_key_that_describes_a_credential_is_not_secret(before, phrase, describing, style):
    key = _spelled(before + phrase + describing, style)
    assert not is_secret_key(key), (key, key_words(key))


def test_no_export_or_describing_key_is_an_error_in_a_config():
    """The negative corpus as a configuration would hold it: pass-through params with plain values."""
    params = {key: "value_%d" % i for i, key in enumerate(export_setting_keys() + NOT_SECRET_KEYS)}
    text = MINIMAL + "datasets:\n  - name: D\n    type: HTTP\n    connection: h\n    params: %s\n" % json.dumps(params)
    assert [d.format() for d in load_and_validate(text)[1] if d.code == "secret"] == []
