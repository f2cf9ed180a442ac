"""The DSS-facing layer: everything that talks to DSS goes through ``dataikuapi`` from here.

``translate`` maps configuration objects to DSS definitions (pure); ``bootstrap`` holds the
creation requests the apply writers send (apply is the one path that creates and writes projects);
``connect`` builds the client without ever exposing the API key.
"""
