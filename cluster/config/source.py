"""Where the configuration comes from: cluster.conf (``xmlconfig``) or an LDAP server (``ldapconfig``).

As cman: ``CONFIG_LOADER`` chooses, and the LDAP server is ``COROSYNC_LDAP_URL`` with
``COROSYNC_LDAP_BASEDN`` (optionally ``COROSYNC_LDAP_BINDDN`` and ``COROSYNC_LDAP_BINDPWD``), from the
environment or from ``/etc/sysconfig/cman`` (``$FENCELAB_SYSCONFIG`` names another file). Our additions:
``FENCELAB_LDAP_STARTTLS=yes`` and ``FENCELAB_LDAP_CACERT=FILE``. Options given on a command line win over
the environment, which wins over the file.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import load_cluster_conf
from .errors import config_error
from .ldapload import LdapSettings, load_ldap_conf
from .model import ClusterConf
from .xmlload import DEFAULT_CONFIG_PATH

SYSCONFIG_ENV = "FENCELAB_SYSCONFIG"
DEFAULT_SYSCONFIG = "/etc/sysconfig/cman"
LOADERS = ("xmlconfig", "ldapconfig")
KEYS = (
    "CONFIG_LOADER",
    "COROSYNC_CLUSTER_CONFIG_FILE",
    "COROSYNC_LDAP_URL",
    "COROSYNC_LDAP_BASEDN",
    "COROSYNC_LDAP_BINDDN",
    "COROSYNC_LDAP_BINDPWD",
    "FENCELAB_LDAP_STARTTLS",
    "FENCELAB_LDAP_CACERT",
)


def read_sysconfig(path: str | Path) -> dict[str, str]:
    """``KEY=value`` lines of a sysconfig file (shell quoting understood, nothing executed); {} if absent."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise config_error(str(path), None, "sysconfig", f"cannot read file: {err.strerror or err}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, raw = line.removeprefix("export ").partition("=")
        if not sep or not key.isidentifier():
            raise config_error(str(path), number, "sysconfig", "expected KEY=value")
        try:
            words = shlex.split(raw, comments=True)
        except ValueError as err:
            raise config_error(str(path), number, "sysconfig", f"{key}: {err}") from None
        values[key] = " ".join(words)
    return values


@dataclass(frozen=True)
class ConfigSource:
    loader: str = "xmlconfig"
    path: str = DEFAULT_CONFIG_PATH
    ldap: LdapSettings | None = None
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def describe(self) -> str:
        if self.ldap is not None:
            return f"{self.ldap.url}/{self.ldap.root_dn}"
        return self.path

    def load(self) -> ClusterConf:
        """Load and validate; :class:`ConfigError` (one line) on any problem."""
        if self.ldap is not None:
            return load_ldap_conf(self.ldap)
        return load_cluster_conf(self.path)


def config_source(
    file: str | None = None,
    loader: str | None = None,
    ldap_url: str | None = None,
    ldap_basedn: str | None = None,
    ldap_binddn: str | None = None,
    ldap_password: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ConfigSource:
    """The source the options, then the environment, then the sysconfig file choose."""
    environ = os.environ if env is None else env
    settings = {
        **read_sysconfig(environ.get(SYSCONFIG_ENV) or DEFAULT_SYSCONFIG),
        **{k: environ[k] for k in KEYS if environ.get(k)},
    }
    chosen = loader or settings.get("CONFIG_LOADER") or ("ldapconfig" if ldap_url else "xmlconfig")
    where = "-C" if loader else "CONFIG_LOADER"
    if chosen not in LOADERS:
        raise config_error(where, None, "cman", f"unknown config loader {chosen!r} (xmlconfig or ldapconfig)")
    if chosen == "xmlconfig":
        path = file or settings.get("COROSYNC_CLUSTER_CONFIG_FILE") or DEFAULT_CONFIG_PATH
        return ConfigSource("xmlconfig", path)
    url = ldap_url or settings.get("COROSYNC_LDAP_URL")
    basedn = ldap_basedn or settings.get("COROSYNC_LDAP_BASEDN")
    if not url or not basedn:
        missing = "COROSYNC_LDAP_URL" if not url else "COROSYNC_LDAP_BASEDN"
        message = f"{missing} is not set (environment or {DEFAULT_SYSCONFIG})"
        raise config_error("ldapconfig", None, "cman", message)
    ldap = LdapSettings(
        url=url,
        basedn=basedn,
        binddn=ldap_binddn or settings.get("COROSYNC_LDAP_BINDDN") or None,
        password=ldap_password or settings.get("COROSYNC_LDAP_BINDPWD") or None,
        starttls=settings.get("FENCELAB_LDAP_STARTTLS", "").lower() in ("1", "yes", "true", "on"),
        ca_file=settings.get("FENCELAB_LDAP_CACERT") or None,
    )
    return ConfigSource("ldapconfig", "", ldap)
