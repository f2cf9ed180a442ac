"""Backend of the "Plan review" webapp: HTTP only (issue 15).

DSS runs this file as a Flask app whose ``app`` object it injects into the module's globals
(dss-plugin-anatomy.md §4.3); only Flask calls present in 1.1 to 3.x are used (``add_url_rule``,
``request.get_data``, ``Response``). Every request is answered by ``dataiku_framework.plugin.review``:
who the browser's user is, their rights, the CSRF token, and what to do are all decided there.
"""
import json

import dataiku
from dataiku.customwebapp import get_webapp_config
from flask import Response, request

from dataiku_framework.plugin.review import handle


def review_api(path):
    status, body = handle(dataiku.api_client(), dataiku.default_project_key(), request.method, path,
                          dict(request.headers), request.args.to_dict(), request.get_data(), get_webapp_config())
    return Response(json.dumps(body), status=status, mimetype="application/json",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


app.add_url_rule("/api/<path:path>", "review_api", review_api, methods=["GET", "POST"])  # noqa: F821 - DSS's app
