"""Connecting to DSS: host and API key from arguments or the environment, never echoed."""
import os


class MissingCredentials(ValueError):
    """Raised when no DSS host or API key is configured; the message says how to set them."""


def client_from(host=None, api_key=None, environ=None):
    """A ``dataikuapi.DSSClient`` for ``host``/``api_key`` or ``DSS_HOST``/``DSS_API_KEY``."""
    import dataikuapi
    env = os.environ if environ is None else environ
    host = host or env.get("DSS_HOST")
    api_key = api_key or env.get("DSS_API_KEY")
    if not host or not api_key:
        raise MissingCredentials("no DSS connection: pass --host and --api-key or set DSS_HOST and DSS_API_KEY")
    return dataikuapi.DSSClient(host.rstrip("/"), api_key)
