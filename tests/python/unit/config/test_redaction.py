"""No diagnostic repeats a credential: not the credential check, not any message quoting a value."""

import pytest

from dataiku_framework import FrameworkConfig
from dataiku_framework.config import ConfigError, render_human, render_json
from config_support import MINIMAL

TOKENS = {
    "github": "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "slack": "xoxb-1234567890-abcdefghijKLMN",
    "google": "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "entropy": "Zq8vL2xN5bR7tY1wK4mP9sD3fG6hJ0cXeA",
    "url_password": "hunter2pass",
}


def _document():
    t = TOKENS
    return MINIMAL + """\
datasets:
  - {{name: {github}, type: Filesystem, managed: true, zone: {aws}}}
  - {{name: "{jwt}", type: Filesystem, managed: true}}
  - {{name: {github}, type: "{slack}", connection: c, params: {{"{google}": 1}}}}
  - {{name: D, type: Filesystem, managed: true, lifecycle: {{ignore_changes: ["{entropy}"]}},
      description: 5, format_type: {{url: "postgres://bob:{url_password}@db/x"}}}}
recipes:
  - {{name: r, type: python, inputs: [{github}x, "{jwt}"], outputs: [D], code_file: "{entropy}.py"}}
scenarios:
  - name: s
    type: "{aws}"
    triggers: [{{type: dataset, dataset: "{slack}"}}]
    steps: [{{type: run_scenario, scenario: "{google}"}}]
environments:
  prod:
    datasets: {{"{entropy}": {{zone: x}}, D: {{"{github}": 1}}}}
""".format(**t)


def test_no_token_in_any_diagnostic(write):
    path = write("c.yaml", _document())
    with pytest.raises(ConfigError) as error:
        FrameworkConfig.from_yaml(path)
    diags = error.value.diagnostics
    codes = set(d.code for d in diags)
    # The values are quoted by many different checks, not only the credential one.
    assert {"secret", "schema.pattern", "names.duplicate", "ref.unknown", "ref.zone", "schema.enum",
            "lifecycle.field", "code.not_found", "ref.scenario", "env.unknown_target", "schema.type",
            "schema.unknown_key"} <= codes, codes
    outputs = [render_human(diags), render_json(diags), str(error.value)]
    for output in outputs:
        assert "<redacted" in output
        for kind, token in TOKENS.items():
            assert token not in output, kind
            assert token[:20] not in output, kind  # not even truncated


def test_number_under_a_secret_named_key_is_flagged_without_echo(diagnose):
    text = MINIMAL + "datasets:\n  - {name: D, type: HTTP, connection: h, params: {password: 123456, pin_token: 4.5, " \
                     "api_secret: true, nothing_secret: null, passwordMode: 3}}\n"
    diags = diagnose(text)
    assert sorted(d.path for d in diags) == ["datasets[0].params.api_secret", "datasets[0].params.password",
                                             "datasets[0].params.pin_token"]
    assert all(d.code == "secret" and d.is_error for d in diags)
    human = render_human(diags)
    assert "123456" not in human and "4.5" not in human


def test_wrong_type_message_hides_values_of_secret_named_keys(diagnose):
    text = MINIMAL + "datasets:\n  - {name: D, type: Filesystem, managed: true, format_type: {user: u, password: pw12}}\n"
    diags = diagnose(text)
    assert "pw12" not in render_human(diags) and "pw12" not in render_json(diags)
    assert any(d.code == "schema.type" and "<redacted>" in d.summary for d in diags)
