"""The DSS-facing layer: everything that talks to DSS goes through ``dataikuapi`` from here.

``translate`` maps configuration objects to DSS definitions (pure); ``bootstrap`` creates a
project's objects on DSS from a resolved configuration; ``connect`` builds the client without
ever exposing the API key.
"""
