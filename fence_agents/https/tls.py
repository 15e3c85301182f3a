"""The client TLS context, with the trust rules users know from ``requests`` and curl.

Verified (the default): ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE`` (a file, or a directory of hashed
certificates), else OpenSSL's default paths, which honour ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` and otherwise
mean the system store (Debian: /etc/ssl/certs). The host name (or IP address) must match the certificate.
Unverified (``--ssl-insecure``): no CA is loaded at all, whatever the environment says, so an exported
``REQUESTS_CA_BUNDLE`` cannot undo ``--ssl-insecure`` (it does in ``requests`` for session-level verify).
"""

from __future__ import annotations

import os
import ssl

from fence_agents.errors import ConnectError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def ca_location(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(variable, path) of the CA bundle the environment names, or None: the system's default paths."""
    for name in CA_VARIABLES:
        value = environ.get(name, "")
        if value:
            return name, value
    return None


def client_context(verify: bool, environ: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """A TLS client context; ConnectError (one line) when the named CA bundle cannot be used."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # TLS 1.2+, hostname check, CERT_REQUIRED
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    named = ca_location(os.environ if environ is None else environ)
    if named is None:
        context.set_default_verify_paths()
        return context
    name, path = named
    try:
        if os.path.isdir(path):
            context.load_verify_locations(capath=path)
        else:
            context.load_verify_locations(cafile=path)
    except (OSError, ssl.SSLError) as err:
        reason = getattr(err, "strerror", None) or getattr(err, "reason", None) or err
        raise ConnectError(f"Failed: {name}={path} is not a usable CA bundle ({reason})") from None
    return context


def failure_line(base: str, err: BaseException) -> str:
    """``Failed: TLS with https://h:p failed: <REASON> (<detail>)<hint>`` for any handshake failure."""
    reason = getattr(err, "reason", None) or ""
    detail = getattr(err, "verify_message", None) or ""
    if not reason:
        text = str(err)
        reason = "handshake failed"
        for known in ("CERTIFICATE_VERIFY_FAILED", "WRONG_VERSION_NUMBER"):
            if known in text:
                reason = known
    hint = ""
    if reason == "CERTIFICATE_VERIFY_FAILED":
        hint = " (use --ssl-insecure, or trust its CA)"
    elif reason == "WRONG_VERSION_NUMBER":
        hint = " (the port does not speak TLS)"
    detail = f" ({detail})" if detail else ""
    return f"Failed: TLS with {base} failed: {reason}{detail}{hint}"
