"""``make webapp``: the plan-review webapp served locally against an embedded DSS emulator, for manual use.

Starts an emulator with project P1 (a managed folder of configuration, one stored plan; user analyst
administers it, reader only reads it), then a local stand-in of DSS's webapp frame
(``tests/python/webapp/review_frame.py``), and prints the URLs to open, one per browser user. Ctrl-C stops.
WEBAPP_PORT picks the port (default 8765, 0: any free one).
"""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "python-lib"), os.path.join(ROOT, "tests", "python"),
                os.path.join(ROOT, "tests", "python", "webapp")]


def main():
    from emusupport import ADMIN_KEY, make_emulator
    from review_frame import FrameServer, seed, use_standin
    emulator = make_emulator()
    client = emulator.client(ADMIN_KEY)
    folder_id = seed(client, "P1")
    use_standin(emulator.url, ADMIN_KEY, "P1", {"source": "folder", "folder": folder_id, "config_path": "project.yaml"})
    server = FrameServer(emulator, "P1", port=int(os.environ.get("WEBAPP_PORT", "8765")))
    print("Plan review webapp (project P1) on an embedded DSS emulator at %s" % emulator.url)
    for login, role in (("analyst", "project admin"), ("reader", "read only"), ("admin", "DSS administrator")):
        print("  as %-8s (%s): %s/login?user=%s" % (login, role, server.url, login))
    print("The configuration is in managed folder 'configs' of P1 (edit it through the emulator's API). Ctrl-C stops.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        emulator.stop()


if __name__ == "__main__":
    main()
