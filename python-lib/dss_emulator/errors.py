"""DSS-shaped errors.

Real DSS answers every failure with a JSON body ``{"errorType", "message", "detailedMessage"}``
and the client turns it into ``DataikuException("<errorType>: <detailedMessage>")``. Handlers raise
:class:`DSSError`; the server renders it. Nothing else may escape a handler as a stack trace.
"""

PREFIX = "com.dataiku.dip.exceptions."


class DSSError(Exception):
    """An error the emulator answers with a DSS error body and an HTTP status."""

    def __init__(self, status, error_type, message, detailed=None):
        super().__init__(message)
        self.status = status
        self.error_type = error_type if "." in error_type else PREFIX + error_type
        self.message = message
        self.detailed = detailed or message

    def body(self):
        return {
            "errorType": self.error_type,
            "message": self.message,
            "detailedMessage": self.detailed,
            "code": self.error_type.rsplit(".", 1)[-1],
        }


def not_found(message):
    """An object missing inside an existing, readable project."""
    return DSSError(404, "NotFoundException", message)


def project_unreadable(project_key):
    """DSS answers the same for an unknown and a forbidden project, so neither leaks."""
    return DSSError(403, "UnauthorizedException", "Failed to read project permissions",
                    "Failed to read project permissions: project %s does not exist or you may not read it"
                    % project_key)


def forbidden(message):
    return DSSError(403, "UnauthorizedException", message)


def not_authenticated(message="Unknown API Key"):
    return DSSError(401, "NotAuthenticatedException", message)


def already_exists(message):
    return DSSError(409, "DSSIllegalArgumentException", message)


def bad_request(message):
    return DSSError(400, "DSSIllegalArgumentException", message)


def bad_json(message):
    return DSSError(400, "com.fasterxml.jackson.core.JsonParseException", "Invalid JSON in request body",
                    "Invalid JSON in request body: %s" % message)


NOT_SUPPORTED = "dss_emulator.NotSupportedByEmulatorException"


def not_supported(method, path, why=None):
    """A call the emulator does not serve. 501 (Not Implemented), never 404: a tool reads 404 as
    "this object does not exist" and would act on it (create it, skip it), while the truth is that
    the emulator cannot tell. The errorType names the emulator, not a DSS class, so no caller
    mistakes it for an answer of DSS."""
    message = "%s %s is not supported by the DSS emulator" % (method, path)
    return DSSError(501, NOT_SUPPORTED, message,
                    "%s: %s. docs/reference/emulator.md lists what is served."
                    % (message, why or "no such call is emulated"))


def not_allowed(method, path):
    """A path the emulator serves, with a method it does not (DSS may well serve it)."""
    return not_supported(method, path, "the emulator serves other methods on this path")


def no_route(path, method="GET"):
    """A path under the public API that the emulator does not serve."""
    return not_supported(method, path)


def not_dss(path):
    """A path outside the public API: not a DSS API call at all."""
    return DSSError(404, "NotFoundException", "No API endpoint at %s" % path)
