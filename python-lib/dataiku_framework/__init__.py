"""dataiku-framework: Dataiku DSS projects as code (validate, plan, apply YAML-described projects).

The configuration model is imported eagerly; ``Engine`` and ``Plan`` lazily (module
``__getattr__``), so importing this package never imports ``dataiku`` or ``dataikuapi``. ``wiring``
makes the registrations the lower layers look up (plan views, config hooks) on import.
"""

from .config import (ColumnConfig, ConfigError, DataLifecycleConfig, DatasetConfig, Diagnostic, ExternalConfig,
                     FrameworkConfig, LifecycleConfig, ManagedFolderConfig, PermissionConfig, ProjectConfig,
                     RecipeConfig, ScenarioConfig, ScenarioStepConfig, StepConfig, TriggerConfig, ZoneConfig)

from . import wiring  # noqa: E402,F401  (the registrations the lower layers look up: views, hooks)

__version__ = "0.1.0"

__all__ = ["ColumnConfig", "ConfigError", "DataLifecycleConfig", "DatasetConfig", "Diagnostic", "ExternalConfig",
           "FrameworkConfig", "LifecycleConfig", "ManagedFolderConfig", "PermissionConfig", "ProjectConfig",
           "RecipeConfig", "ScenarioConfig", "ScenarioStepConfig", "StepConfig", "TriggerConfig", "ZoneConfig",
           "Engine", "Plan"]

_LAZY = {"Engine": ".engine", "Plan": ".plan.document"}


def __getattr__(name):
    """``Engine`` and ``Plan`` on first use (they pull in the plan machinery, not the config model)."""
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
