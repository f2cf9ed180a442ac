"""The import tests share the plan tests' helpers (``plan_support``) and their own (``import_support``)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plan"))
