"""The emulator's own control API under ``/__emulator__/`` (not part of DSS).

``GET stats`` (counters and request log, in the server's order of execution), ``POST reset``
(counters and faults; with ``{"data": true}`` also every project), ``GET faults`` / ``POST faults``
(JSON settings, ``fail_phase`` included, see :class:`dss_emulator.faults.Faults`). Lets benchmarks and outside scripts drive a standalone emulator.

Security: these calls take no API key (docs/reference/emulator.md documents plain calls), yet ``reset`` drops every
project and ``faults`` breaks the server for everyone. They are therefore answered only to loopback
clients (127.0.0.0/8, ::1): an emulator served on ``--host 0.0.0.0`` exposes the DSS API to the
network but not its control API (other hosts get a 403). In-process calls (no peer address) pass.
"""
import ipaddress
import json


def handle_control(emulator, method, path, body, client_host=None):
    if not is_loopback(client_host):
        return _answer(403, {"error": "the emulator control API only answers loopback clients"})
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


def is_loopback(host):
    """True for a loopback peer (IPv4-mapped IPv6 included) and for in-process calls (None)."""
    if host is None:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _answer(status, obj):
    return status, "application/json", json.dumps(obj).encode("utf-8"), {}
