"""``dataiku.customstep``: a custom step's parameters, from the environment like DSS's own module.

DSS reads ``DKU_PLUGIN_STEP_CONFIG``/``DKU_PLUGIN_CONFIG``; the stand-in reads
``DKU_STANDIN_STEP_CONFIG``/``DKU_STANDIN_PLUGIN_CONFIG`` so a test can never
pick up a real DSS setting by accident.
"""
import json
import os


def get_step_config():
    return json.loads(os.environ.get("DKU_STANDIN_STEP_CONFIG") or "{}")


def get_plugin_config():
    return json.loads(os.environ.get("DKU_STANDIN_PLUGIN_CONFIG") or "{}")


def get_step_resource():
    return os.environ.get("DKU_CUSTOM_RESOURCE_FOLDER")
