"""Path routing for the public API.

The client builds paths with raw ``%s`` interpolation, so segments arrive percent-encoded and
slashes are significant (``contents//dir/x``). We therefore route on our own: split the raw path,
strip at most one trailing slash, percent-decode each segment, and let a final ``{name*}``
placeholder take the rest of the path greedily (normalised to one leading ``/``).
"""
from urllib.parse import unquote

from . import errors

READ, WRITE, ADMIN = "read", "write", "admin"


class Route:
    def __init__(self, method, pattern, func, perm, writes, git_message):
        self.method = method
        self.pattern = pattern
        self.func = func
        self.perm = perm
        self.writes = writes
        self.git_message = git_message
        self.parts = [p for p in pattern.strip("/").split("/")]
        self.greedy = bool(self.parts) and self.parts[-1].endswith("*}")

    def match(self, raw_segments, raw_rest_of):
        """Return the decoded parameters if the raw segments fit this pattern, else None."""
        fixed = self.parts[:-1] if self.greedy else self.parts
        if self.greedy:
            if len(raw_segments) <= len(fixed):
                return None
        elif len(raw_segments) != len(fixed):
            return None
        params = {}
        for want, got in zip(fixed, raw_segments):
            if want.startswith("{"):
                value = unquote(got)
                if value == "":
                    return None
                params[want[1:-1]] = value
            elif want != got:
                return None
        if self.greedy:
            rest = raw_rest_of(len(fixed))
            params[self.parts[-1][1:-2]] = "/" + unquote(rest).lstrip("/") if rest else "/"
        return params


class Router:
    def __init__(self):
        self.routes = []

    def route(self, method, pattern, perm=READ, writes=None, git=None):
        """Register a handler. ``perm`` is the project permission needed (None: any user,
        "instance_admin": DSS administrators only); ``writes`` marks calls that change state
        (defaults to every non-GET); ``git`` is the commit message DSS's AUTO mode would use."""
        def deco(func):
            w = (method != "GET") if writes is None else writes
            self.routes.append(Route(method, pattern, func, perm, w, git))
            return func
        return deco

    def resolve(self, method, path):
        raw = path
        if len(raw) > 1 and raw.endswith("/"):
            raw = raw[:-1]
        body = raw.lstrip("/")
        segments = body.split("/") if body else []

        def rest_of(n):
            # the raw remainder after n segments, keeping inner (and doubled) slashes
            pieces = body.split("/", n)
            return pieces[n] if len(pieces) > n else ""

        allowed = False
        for r in self.routes:
            params = r.match(segments, rest_of)
            if params is None:
                continue
            if r.method == method:
                return r, params
            allowed = True
        if allowed:
            raise errors.not_allowed(method, path)
        raise errors.no_route(path, method)


ROUTER = Router()
route = ROUTER.route
