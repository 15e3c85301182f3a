"""Fixtures of the HTTPS client tests."""

from __future__ import annotations

import pytest

from emulators.redfish.certs import TlsFiles

from .servers import tls_files


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost (ca_file, cert_file, key_file)."""
    return tls_files(tmp_path_factory.mktemp("tls"))
