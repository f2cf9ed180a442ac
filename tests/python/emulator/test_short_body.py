"""A request whose client goes away mid-body (a process killed during a write) changes nothing: DSS's
HTTP server fails it with an early end of input, it never hands a short body to the API. The emulator
stored the bytes it got, so an apply SIGKILLed between the headers and the body of its state write left
an empty state.json (read back as "no state", its whole history gone)."""
import base64
import socket
from urllib.parse import urlparse

from emusupport import ADMIN_KEY


def _short_write(url, path, sent, declared):
    """POST ``sent`` to ``path`` declaring ``declared`` bytes, then close the connection."""
    where = urlparse(url)
    auth = base64.b64encode(("%s:" % ADMIN_KEY).encode()).decode()
    head = ("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: %d\r\n\r\n" % (path, where.netloc, auth, declared)).encode()
    with socket.create_connection((where.hostname, where.port)) as conn:
        conn.sendall(head + sent)
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(10)
        while conn.recv(4096):  # until the server closes its side: the request is over
            pass


def test_a_body_cut_short_by_the_client_is_not_stored(project, emulator):
    library = project.get_library()
    library.get_folder("/python").add_file("state.json").write('{"serial": 3}')
    path = "/dip/publicapi/projects/%s/libraries/contents/python/state.json" % project.project_key
    for sent in (b"", b'{"ser'):  # headers only (the process died before its body), half a body
        _short_write(emulator.url, path, sent, 13)
        assert project.get_library().get_file("/python/state.json").read() == '{"serial": 3}'
