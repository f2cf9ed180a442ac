"""dataiku-framework: Dataiku DSS projects as code (validate, plan, apply YAML-described projects).

Only the configuration model is exported here; importing this package never
imports ``dataiku`` or ``dataikuapi`` (the CLI imports ``dataikuapi`` lazily).
"""

from .config import (ColumnConfig, ConfigError, DataLifecycleConfig, DatasetConfig, Diagnostic, ExternalConfig,
                     FrameworkConfig, LifecycleConfig, ManagedFolderConfig, PermissionConfig, ProjectConfig,
                     RecipeConfig, ScenarioConfig, ScenarioStepConfig, StepConfig, TriggerConfig, ZoneConfig)

__version__ = "0.1.0"

__all__ = ["ColumnConfig", "ConfigError", "DataLifecycleConfig", "DatasetConfig", "Diagnostic", "ExternalConfig",
           "FrameworkConfig", "LifecycleConfig", "ManagedFolderConfig", "PermissionConfig", "ProjectConfig",
           "RecipeConfig", "ScenarioConfig", "ScenarioStepConfig", "StepConfig", "TriggerConfig", "ZoneConfig"]
