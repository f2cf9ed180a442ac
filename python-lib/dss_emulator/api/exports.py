"""Project export: ``POST /projects/{projectKey}/export`` streams a DSS-like export zip.

The zip holds ``project_config/`` laid out as DSS exports it (see :mod:`dss_emulator.seed`), so an
export loads back with ``--seed-export`` / :func:`dss_emulator.seed.load_export`. Configuration
only: managed data, folder contents and job logs are not exported (DSS's export options for them
are accepted and ignored).
"""
from .. import errors
from ..routing import route
from ..seed import export_zip
from ..server import Raw
from .projects import project_of

OPTION_KEYS = ("exportUploads", "exportManagedFS", "exportManagedFolders", "exportAllInputDatasets",
               "exportAllDatasets", "exportAllInputManagedFolders", "exportSavedModels", "exportAnalysisModels",
               "exportGitRepository", "exportInsightsData", "exportModelEvaluationStores")


@route("POST", "/projects/{projectKey}/export", perm="read", writes=False)
def export_project(ctx, projectKey):
    options = ctx.json_object()
    for key in OPTION_KEYS:
        if key in options and not isinstance(options[key], bool):
            raise errors.bad_request("Export option %s must be a boolean" % key)
    project = project_of(ctx, projectKey)
    return Raw(export_zip(project, ctx.login, {"options": options}), "application/zip")
