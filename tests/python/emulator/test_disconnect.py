"""A client that goes away before its answer is written is not an emulator failure (issue 14 §13).

Why: a timed-out or interrupted client (a CLI stopped with Ctrl-C, a test's killed subprocess) used
to make the server print a ``BrokenPipeError``/``ConnectionResetError`` traceback on stderr, which
reads as a crash of the emulator. A real emulator process, a raw socket closed with a reset while
its request is being answered (latency added so the close comes first).
"""
import socket
import struct
import time

import requests

from dss_emulator.process import EmulatorProcess

from emusupport import ADMIN_KEY


def _abandon(host, port, path):
    """Send a GET for ``path`` and reset the connection at once, without reading the answer."""
    sock = socket.create_connection((host, port))
    sock.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n\r\n"
                  % (path, host, ADMIN_KEY)).encode("ascii"))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
    sock.close()


def test_a_client_that_disconnects_leaves_no_traceback():
    emulator = EmulatorProcess(["--port", "0", "--latency-ms", "150", "--api-key", ADMIN_KEY + ":admin"])
    with emulator:
        host, port = emulator.url.split("//", 1)[1].split(":")
        for _ in range(3):
            _abandon(host, int(port), "/public/api/projects/")
        time.sleep(0.6)  # let the server try (and fail) to write the three answers
        # still serving: the next client is answered
        answer = requests.get(emulator.url + "/public/api/projects/", auth=(ADMIN_KEY, ""), timeout=10)
        assert answer.status_code == 200
        emulator.proc.terminate()
        emulator.proc.wait(10)
        errors = emulator.proc.stderr.read()
    assert "Traceback" not in errors and "BrokenPipe" not in errors and "ConnectionReset" not in errors, errors
    stats_free = [line for line in errors.splitlines() if line.strip()]
    assert stats_free == [], errors
