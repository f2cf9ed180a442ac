"""The backend-neutral tests' fixtures: see ``dss_fixtures`` (a module, so that a pytest run outside this
folder can load them with ``-p dss_fixtures``)."""
from dss_fixtures import _emulator_only, cli_env, dss_backend, dss_client, new_key, standin  # noqa: F401
