"""Apply: change DSS to match a plan, safely (lock, stale-plan check, verify, state, checkpoints).

``Engine.apply`` is the entry point; ``run.Applier`` does one apply, ``resource`` one resource,
``executor`` walks the dependency graph, ``result`` is what comes back.
"""
from ..plan.compare_plans import NotReviewedError
from .result import ResourceResult, Result
from .run import StalePlanError

__all__ = ["NotReviewedError", "ResourceResult", "Result", "StalePlanError"]
