"""Planning: read the live project (refresh), compare it with the config, build the plan document.

``refresh`` reads, ``graph`` orders, ``compare`` walks the resource handlers, ``document`` builds
the versioned JSON document and the ``Plan`` object. ``dataiku_framework.engine.Engine`` ties them.
"""
