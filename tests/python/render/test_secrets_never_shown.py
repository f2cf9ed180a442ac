"""Not one secret value reaches an artifact, wherever it comes from (issue 14 §4).

A configuration cannot hold a credential (that is a validation error, see
tests/python/unit/config/test_secret_detection.py), so the secrets here come from where a
configuration cannot stop them: ``${env:}`` values, and settings written in DSS by someone else
(every key name of the corpus with its own secret, in a managed dataset's params, in the project
variables, in a dataset the configuration does not manage; every value shape in descriptions). Then
the real CLI plans (text, ``--json``, ``--out``), applies (with and without the saved plan), and
shows the history; the saved plan is rendered as Markdown and HTML too. Every artifact is read back:
outputs, the plan file, state.json, lock.json, the logs, and the text of every exception.
"""
import json
import logging
import os
import sys

from emusupport import ADMIN_KEY
from dataiku_framework import exitcodes
from dataiku_framework.cli import main
from dataiku_framework.render import render_html, render_markdown, render_text
from dataiku_framework.state.dssfiles import LibraryDocument

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "unit", "config"))
from secret_corpus import SECRET_KEYS, SECRET_VALUES  # noqa: E402

KEY = "SECR"
CONFIG = """\
version: "1.0"
project:
  key: SECR
  name: secrets
  description: "${env:PROJECT_DESCRIPTION}"
  variables:
    standard: {jdbc_url: "${env:JDBC_URL}", region: eu}
datasets:
  - {name: D, type: Filesystem, managed: true, description: "${env:DATASET_DESCRIPTION}"}
"""


def _secret(index):
    """A distinct secret per injected value (so a leak names its source), shaped like nothing else."""
    return "Qz%02dvK8wXn" % index


#: Every value shape with its own secret.
SHAPED = [shape.format(_secret(90 - i)) for i, shape in enumerate(SECRET_VALUES)]
ENV = {"JDBC_URL": "jdbc:postgresql://db.example.com:5432/sales?user=etl&password=" + _secret(99),
       "PROJECT_DESCRIPTION": "Reads " + SHAPED[0],
       "DATASET_DESCRIPTION": "Bearer " + _secret(98)}
ALL_SECRETS = [_secret(i) for i in range(len(SECRET_KEYS))] + [_secret(90 - i) for i in range(len(SHAPED))] + \
    [_secret(99), _secret(98), _secret(97), _secret(96)]


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _inject_into_dss(client):
    """What anyone with write access on the project can put in DSS, out of the configuration's reach."""
    project = client.get_project(KEY)
    variables = project.get_variables()
    variables["standard"].update({key: _secret(i) for i, key in enumerate(SECRET_KEYS)})
    variables["local"] = {"notes": SHAPED[1]}
    project.set_variables(variables)
    settings = project.get_dataset("D").get_settings()
    raw = settings.get_raw()
    raw["params"].update({key: _secret(i) for i, key in enumerate(SECRET_KEYS)})
    raw["description"] = " ".join(SHAPED)
    raw["params"]["properties"] = [{"name": "password", "value": _secret(97)}]
    settings.save()
    if "UNMANAGED" in [d["name"] for d in project.list_datasets(as_type="listitems")]:
        return
    project.create_dataset("UNMANAGED", "Filesystem", params=dict({"connection": "filesystem_managed", "path": "u"},
                                                                 **{key: _secret(i) for i, key in enumerate(SECRET_KEYS)}))


def _assert_clean(where, text):
    leaked = [s for s in ALL_SECRETS if s in text]
    assert not leaked, "%s shows %s: ...%s" % (where, leaked, text[max(0, text.find(leaked[0]) - 200):][:300])


def test_no_secret_from_env_or_dss_reaches_any_artifact(emulator, client, monkeypatch, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DSS_HOST", emulator.url)
    monkeypatch.setenv("DSS_API_KEY", ADMIN_KEY)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "secrets.yaml"
    # the project is created first without variables (a first apply that sets them is issue 14 §1's own bug)
    config.write_text(CONFIG.replace("  variables:\n", "").replace("    standard: {jdbc_url: \"${env:JDBC_URL}\", region: eu}\n", ""))
    artifacts = {}
    exceptions = []

    def run(label, *argv):
        try:
            code, out, err = _run(capsys, *argv)
        except Exception as error:  # the text of any exception is an artifact too
            exceptions.append("%s: %s" % (type(error).__name__, error))
            raise
        artifacts[label] = out + err
        return code, out

    code, _ = run("first apply", "apply", str(config), "--auto-approve")
    assert code == exitcodes.OK, artifacts["first apply"]
    config.write_text(CONFIG)
    code, _ = run("apply with variables", "apply", str(config), "--auto-approve")
    assert code == exitcodes.OK, artifacts["apply with variables"]
    _inject_into_dss(client)
    # the values do reach DSS (the test injects them for real), then none of the artifacts
    assert _secret(0) in json.dumps(client.get_project(KEY).get_variables())
    assert _secret(90) in client.get_project(KEY).get_dataset("D").get_settings().get_raw()["description"]

    plan_file = tmp_path / "plan.json"
    code, _ = run("plan", "plan", str(config), "--out", str(plan_file))
    assert code == exitcodes.OK, artifacts["plan"]
    code, out = run("plan --json", "plan", str(config), "--json")
    assert code == exitcodes.OK and json.loads(out)["resource_changes"]
    doc = json.loads(plan_file.read_text())
    artifacts["--out file"] = plan_file.read_text()
    artifacts["markdown"] = render_markdown(doc)
    artifacts["html"] = render_html(doc)
    artifacts["text render"] = render_text(doc)
    assert "D" in artifacts["markdown"] and "<redacted" in artifacts["--out file"]
    code, _ = run("drift", "drift", str(config))
    # the DSS address given with a password: recorded in the plan (metadata.dss_url) without it
    host = emulator.url.replace("://", "://admin:%s@" % _secret(96))
    code, _ = run("plan --host user:password@", "plan", str(config), "--host", host, "--out", str(tmp_path / "p2.json"))
    assert code == exitcodes.OK, artifacts["plan --host user:password@"]
    artifacts["--out file of --host"] = (tmp_path / "p2.json").read_text()
    code, _ = run("apply saved plan", "apply", str(plan_file), "--auto-approve")
    assert code == exitcodes.OK, artifacts["apply saved plan"]
    _inject_into_dss(client)
    code, _ = run("second apply", "apply", str(config), "--auto-approve", "--json")
    assert code == exitcodes.OK, artifacts["second apply"]
    # a secret from the environment where a connection name belongs: DSS has no such connection, so
    # plan and apply refuse it before any write (issue 14 §12), with messages and exceptions that quote it
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG + '  - {name: E, type: Filesystem, managed: true, connection: "${env:JDBC_URL}"}\n')
    code, _ = run("plan of a bad connection", "plan", str(bad))
    assert "<redacted" in artifacts["plan of a bad connection"]
    code, _ = run("apply of a bad connection", "apply", str(bad), "--auto-approve")
    assert code != exitcodes.OK and "dataset E names connection" in artifacts["apply of a bad connection"]
    from dataiku_framework import Engine, FrameworkConfig
    engine = Engine(client=client)
    try:
        result = engine.apply(engine.plan(FrameworkConfig.from_yaml(str(bad))))
        exceptions.extend(str(r.error) for r in result.results if r.error)
    except Exception as error:
        exceptions.append("%s: %s" % (type(error).__name__, error))
    assert exceptions
    code, _ = run("history", "history", KEY)
    code, _ = run("history --json", "history", KEY, "--json")
    for name in ("state.json", "lock.json"):
        artifacts[name] = LibraryDocument(client, KEY, name).read_text() or ""
    assert '"history"' in artifacts["state.json"]
    artifacts["logs"] = "\n".join(r.getMessage() for r in caplog.records)
    artifacts["exceptions"] = "\n".join(exceptions)
    for where, text in artifacts.items():
        _assert_clean(where, text)
