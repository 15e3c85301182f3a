"""DMTF error bodies (``{"error": {"code", "message", "@Message.ExtendedInfo": [...]}}``), Base ids.

Pure. Each :class:`RedfishError` is one HTTP answer the service gives instead of a resource; the HTTP status
and the Base message (``Base.1.22.1.<Id>``) travel together so a handler raises and the dispatcher answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BASE_REGISTRY = "Base.1.22.1"

# MessageId -> (text with %1.. arguments, severity, resolution), as the Base registry words them
MESSAGES: dict[str, tuple[str, str, str]] = {
    "Success": ("The request completed successfully.", "OK", "None."),
    "Created": ("The resource was created successfully.", "OK", "None."),
    "GeneralError": (
        "A general error has occurred.  See Resolution for information on how to resolve the error.",
        "Critical", "None.",
    ),
    "InternalError": (
        "The request failed due to an internal service error.  The service is still operational.",
        "Critical", "Resubmit the request.  If the problem persists, consider resetting the service.",
    ),
    "NoValidSession": (
        "There is no valid session established with the implementation.", "Critical",
        "Establish a session before attempting any operations.",
    ),
    "AccessDenied": (
        "While attempting to establish a connection to '%1', the service denied access.", "Critical",
        "Attempt to ensure that the URI is correct and that the service has the appropriate credentials.",
    ),
    "InsufficientPrivilege": (
        "There are insufficient privileges for the account or credentials associated with the current "
        "session to perform the requested operation.", "Critical",
        "Either abandon the operation or change the associated access rights and resubmit the request if "
        "the operation failed.",
    ),
    "ResourceNotFound": (
        "The requested resource of type '%1' named '%2' was not found.", "Critical",
        "Provide a valid resource identifier and resubmit the request.",
    ),
    "OperationNotAllowed": (
        "The HTTP method is not allowed on this resource.", "Critical", "None.",
    ),
    "ActionParameterMissing": (
        "The action '%1' requires the parameter '%2' to be present in the request body.", "Critical",
        "Supply the action with the required parameter in the request body when the request is resubmitted.",
    ),
    "ActionParameterValueNotInList": (
        "The value '%1' for the parameter '%2' in the action '%3' is not in the list of acceptable values.",
        "Warning", "Choose a value from the enumeration list that the implementation can support and "
        "resubmit the request if the operation failed.",
    ),
    "ActionParameterValueFormatError": (
        "The value '%1' for the parameter '%2' in the action '%3' is of a different format than the "
        "parameter can accept.", "Warning",
        "Correct the value for the parameter in the request body and resubmit the request if the operation "
        "failed.",
    ),
    "ActionParameterUnknown": (
        "The action '%1' was submitted with the invalid parameter '%2'.", "Warning",
        "Correct the invalid parameter and resubmit the request if the operation failed.",
    ),
    "InvalidOperationForSystemState": (  # an OEM-style refusal (iLO) of a reset the power state forbids
        "The operation '%1' cannot be performed while the system is '%2'.", "Warning",
        "Change the power state of the system and resubmit the request.",
    ),
    "MalformedJSON": (
        "The request body submitted was malformed JSON and could not be parsed by the receiving service.",
        "Critical", "Ensure that the request body is valid JSON and resubmit the request.",
    ),
    "PropertyMissing": (
        "The property '%1' is a required property and must be included in the request.", "Warning",
        "Ensure that the property is in the request body and has a valid value and resubmit the request if "
        "the operation failed.",
    ),
    "PropertyUnknown": (
        "The property '%1' is not in the list of valid properties for the resource.", "Warning",
        "Remove the unknown property from the request body and resubmit the request if the operation failed.",
    ),
    "PropertyNotWritable": (
        "The property '%1' is a read-only property and cannot be assigned a value.", "Warning",
        "Remove the property from the request body and resubmit the request if the operation failed.",
    ),
    "PropertyValueNotInList": (
        "The value '%1' for the property '%2' is not in the list of acceptable values.", "Warning",
        "Choose a value from the enumeration list that the implementation can support and resubmit the "
        "request if the operation failed.",
    ),
    "PropertyValueTypeError": (
        "The value '%1' for the property '%2' is not a type that the property can accept.", "Warning",
        "Correct the value for the property in the request body and resubmit the request if the operation "
        "failed.",
    ),
    "ResourceAlreadyExists": (
        "The requested resource of type '%1' with the property '%2' with the value '%3' already exists.",
        "Critical", "Do not repeat the create operation as the resource has already been created.",
    ),
    "PreconditionFailed": (
        "The ETag supplied did not match the ETag required to change this resource.", "Critical",
        "Try the operation again using the appropriate ETag.",
    ),
    "SessionLimitExceeded": (
        "The session establishment failed due to the number of simultaneous sessions exceeding the limit "
        "of the implementation.", "Critical",
        "Reduce the number of other sessions before trying to establish the session or increase the limit "
        "of simultaneous sessions (if supported).",
    ),
    "ServiceTemporarilyUnavailable": (
        "The service is temporarily unavailable.  Retry in %1 seconds.", "Critical",
        "Wait for the indicated retry duration and retry the operation.",
    ),
    "NotImplemented": (  # not in Base under this name for a property; used for unsupported actions
        "The requested operation is not implemented.", "Critical", "None.",
    ),
    "NoOperation": (
        "The request body submitted contain no data to act upon and no changes to the resource took place.",
        "Warning", "Add properties in the JSON object and resubmit the request.",
    ),
    "QueryNotSupported": (
        "Querying is not supported by the implementation.", "Warning",
        "Remove the query parameters and resubmit the request if the operation failed.",
    ),
    "ResourceCannotBeDeleted": (
        "The delete request failed because the resource requested cannot be deleted.", "Critical",
        "Do not attempt to delete a non-deletable resource.",
    ),
}  # fmt: skip


def message(message_id: str, args: Sequence[str] = (), registry: str = BASE_REGISTRY) -> dict[str, Any]:
    """One ``Message`` object (an entry of ``@Message.ExtendedInfo``)."""
    text, severity, resolution = MESSAGES[message_id]
    for i, arg in enumerate(args, 1):
        text = text.replace(f"%{i}", str(arg))
    return {
        "@odata.type": "#Message.v1_1_1.Message",
        "MessageId": f"{registry}.{message_id}",
        "Message": text,
        "MessageArgs": [str(a) for a in args],
        "MessageSeverity": severity,
        "Severity": severity,
        "Resolution": resolution,
    }


class RedfishError(Exception):
    """An error answer: HTTP ``status``, a Base ``message_id`` and its arguments, extra headers."""

    def __init__(
        self,
        status: int,
        message_id: str,
        args: Sequence[str] = (),
        headers: Sequence[tuple[str, str]] = (),
        registry: str = BASE_REGISTRY,
        text: str | None = None,
    ) -> None:
        self.status = status
        self.message_id = message_id
        self.args_ = tuple(args)
        self.headers = list(headers)
        self.registry = registry
        self.text = text  # overrides the registry text (an OEM message such as iDRAC's RAC0218)
        super().__init__(f"{status} {message_id}")

    def body(self) -> dict[str, Any]:
        if self.message_id in MESSAGES:
            info = message(self.message_id, self.args_, self.registry)
        else:
            info = {"MessageId": f"{self.registry}.{self.message_id}", "MessageArgs": list(self.args_),
                    "MessageSeverity": "Critical", "Severity": "Critical", "Resolution": "None."}  # fmt: skip
        if self.text is not None:
            info["Message"] = self.text
        return {
            "error": {
                "code": info["MessageId"],
                "message": info["Message"],
                "@Message.ExtendedInfo": [info],
            }
        }


def unauthorized(
    basic_auth: bool, message_id: str = "NoValidSession", args: Sequence[str] = ()
) -> RedfishError:
    """401; with Basic auth on, ``WWW-Authenticate`` tells the client it may use it."""
    headers = [("WWW-Authenticate", 'Basic realm="fencelab"')] if basic_auth else []
    return RedfishError(401, message_id, args, headers)
