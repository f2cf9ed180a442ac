"""Configuration language of dataiku-framework: schema, loader, validation, Python model.

Public entry points:

* ``FrameworkConfig.from_yaml(path, env=None)`` / ``from_json`` / ``from_dict``: validated model
  (raises ``ConfigError`` carrying every ``Diagnostic``).
* ``config.validate(env=None)``: diagnostics for the current state of a model.
* ``config.resolved(env=..., connection_types=...)``: the form the planner consumes.
* ``load_and_validate(path_or_text, env=None)``: document plus diagnostics, never raises.
* ``render_human`` / ``render_json``: diagnostic output (the latter shaped like ``terraform validate -json``).
"""

from .api import load_and_validate, load_config
from .diagnostics import ERROR, WARNING, ConfigError, Diagnostic, render_human, render_json
from .loader import Limits
from .schema import (ColumnConfig, ConfigObject, DataLifecycleConfig, DatasetConfig, ExternalConfig,
                     FrameworkConfig, LifecycleConfig, ManagedFolderConfig, PermissionConfig, ProjectConfig,
                     RecipeConfig, ScenarioConfig, ScenarioStepConfig, SettingsConfig, StepConfig, TriggerConfig,
                     ZoneConfig)
from .schema_check import SCHEMA_PATH

__all__ = ["ColumnConfig", "ConfigError", "ConfigObject", "DataLifecycleConfig", "DatasetConfig", "Diagnostic",
           "ERROR", "ExternalConfig", "FrameworkConfig", "LifecycleConfig", "Limits", "ManagedFolderConfig",
           "PermissionConfig", "ProjectConfig", "RecipeConfig", "SCHEMA_PATH", "ScenarioConfig",
           "ScenarioStepConfig", "SettingsConfig", "StepConfig", "TriggerConfig", "WARNING", "ZoneConfig", "load_and_validate",
           "load_config", "render_human", "render_json"]
