"""The emulator's own control API under ``/__emulator__/`` (not part of DSS).

``GET stats`` (counters and request log), ``POST reset`` (counters and faults; with
``{"data": true}`` also every project), ``GET faults`` / ``POST faults`` (JSON settings, see
:class:`dss_emulator.faults.Faults`). Lets benchmarks and outside scripts drive a standalone emulator.
"""
import json


def handle_control(emulator, method, path, body):
    path = path.strip("/")
    try:
        data = json.loads(body.decode("utf-8")) if body and body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return _answer(400, {"error": "body must be JSON"})
    if not isinstance(data, dict):
        return _answer(400, {"error": "body must be a JSON object"})
    if path == "stats" and method == "GET":
        return _answer(200, emulator.stats.snapshot(with_log=True))
    if path == "reset" and method == "POST":
        emulator.stats.reset()
        emulator.faults.clear()
        if data.get("data"):
            with emulator.instance.lock:
                keys = list(emulator.instance.projects)
                emulator.instance.projects.clear()
                for folder in emulator.instance.project_folders.values():
                    folder["projectKeys"] = []
                emulator.persist(keys)      # removes the stored projects too
        return _answer(200, {"reset": True})
    if path == "faults" and method == "GET":
        return _answer(200, emulator.faults.describe())
    if path == "faults" and method == "POST":
        try:
            emulator.faults.configure(data)
        except ValueError as e:
            return _answer(400, {"error": str(e)})
        return _answer(200, emulator.faults.describe())
    return _answer(404, {"error": "unknown control endpoint %s %s" % (method, path)})


def _answer(status, obj):
    return status, "application/json", json.dumps(obj).encode("utf-8"), {}
