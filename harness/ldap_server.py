"""A real OpenLDAP server for tests and labs: Debian's ``slapd`` on 127.0.0.1, its own cn=config.

Nothing of the system installation is used or touched: the configuration (cn=config) is built with
``slapadd -n0`` from an LDIF written here into a temporary directory, with an mdb database for the suffix,
a root DN with a password, and (optionally) the rhcs schema and a TLS certificate, in which case the
database refuses clients that did not start TLS (olcSecurity tls=1): a passing test proves StartTLS.
slapd runs in the foreground (``-d 0``) on an unprivileged port; ``stop()`` ends it, removes the directory.

The config database itself is writable as ``cn=config`` (``config_password``) so a test can load the
rhcs schema into the running server with ``ldapadd``, as an administrator would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

from cluster.config.ldapschema import SCHEMA_LDIF_PATH
from harness import waiting
from harness.tls_ca import TlsFiles
from harness.tools import missing_reason, run, stock_tool

DEBIAN_SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = "/usr/lib/ldap"
ADMIN_PASSWORD = "ldap-admin-secret"
CONFIG_PASSWORD = "ldap-config-secret"


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config_ldif(root: Path, suffix: str, with_schema: bool, tls: TlsFiles | None) -> str:
    includes = [DEBIAN_SCHEMA_DIR / f"{name}.ldif" for name in ("core", "cosine")]
    if with_schema:
        includes.append(SCHEMA_LDIF_PATH)
    tls_lines = ""
    if tls is not None:
        tls_lines = (
            f"olcTLSCertificateFile: {tls.cert}\nolcTLSCertificateKeyFile: {tls.key}\n"
            f"olcTLSCACertificateFile: {tls.ca}\n"
        )
    schema = "".join(f"include: file://{path}\n\n" for path in includes)
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {root}/slapd.pid
olcArgsFile: {root}/slapd.args
olcLogLevel: none
{tls_lines}
dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: {MODULE_DIR}
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{schema}dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend
olcSizeLimit: 5000

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcRootDN: cn=config
olcRootPW: {CONFIG_PASSWORD}

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {suffix}
olcRootDN: cn=admin,{suffix}
olcRootPW: {ADMIN_PASSWORD}
olcDbDirectory: {root}/db
olcDbMaxSize: 67108864
olcAccess: to * by * read
{"olcSecurity: tls=1" + chr(10) if tls is not None else ""}"""


def _suffix_ldif(suffix: str) -> str:
    first = suffix.split(",")[0]
    attr, _, value = first.partition("=")
    if attr.lower() != "dc":
        raise ValueError(f"suffix {suffix!r} must start with dc=")
    return f"dn: {suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: {value}\no: {value}\n"


class LdapServer:
    """One slapd. ``url``, ``suffix``, ``admin_dn``/``admin_password``, ``config_dn``/``config_password``."""

    def __init__(
        self,
        suffix: str = "dc=example,dc=com",
        with_schema: bool = True,
        tls: TlsFiles | None = None,
        root: Path | None = None,
    ) -> None:
        self.suffix = suffix
        self.with_schema = with_schema
        self.tls = tls
        self._own_root = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="fencelab-slapd-"))
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.admin_dn = f"cn=admin,{suffix}"
        self.admin_password = ADMIN_PASSWORD
        self.config_dn = "cn=config"
        self.config_password = CONFIG_PASSWORD

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def _tool(self, name: str) -> str:
        path = stock_tool(name)
        if path is None:
            raise FileNotFoundError(missing_reason(name))
        return path

    def _build(self) -> None:
        conf_dir, db_dir = self.root / "slapd.d", self.root / "db"
        for d in (conf_dir, db_dir):
            d.mkdir(parents=True, exist_ok=True)
        (self.root / "config.ldif").write_text(
            _config_ldif(self.root, self.suffix, self.with_schema, self.tls)
        )
        (self.root / "suffix.ldif").write_text(_suffix_ldif(self.suffix))
        for name, secret in (("admin.pw", self.admin_password), ("config.pw", self.config_password)):
            path = self.root / name  # ldap-utils' -y reads it verbatim
            path.write_text(secret)
            path.chmod(0o600)
        slapadd = self._tool("slapadd")
        for argv in (
            [slapadd, "-n0", "-F", str(conf_dir), "-l", str(self.root / "config.ldif")],
            [slapadd, "-F", str(conf_dir), "-b", self.suffix, "-l", str(self.root / "suffix.ldif")],
        ):
            done = run(argv, timeout=30)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(argv[:2])} failed: {done.stderr.strip()[-500:]}")

    def start(self, timeout: float = 15.0) -> LdapServer:
        self._build()
        slapd = self._tool("slapd")
        for _ in range(5):  # the port is free when chosen; another process may take it before slapd binds
            self.port = _free_tcp_port()
            log = open(self.root / "slapd.log", "wb")  # noqa: SIM115 - slapd's stderr
            self.proc = subprocess.Popen(
                [slapd, "-d", "0", "-h", f"{self.url}/", "-F", str(self.root / "slapd.d")],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            log.close()
            try:
                waiting.wait_for(f"slapd on {self.url}", self._answers, timeout)
                return self
            except AssertionError:
                if self.proc.poll() is None:
                    self.stop()
                    raise
        raise RuntimeError(f"slapd did not start: {(self.root / 'slapd.log').read_text()[-500:]}")

    def _answers(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError("slapd exited")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def ldap_tool(
        self, name: str, *args: str, stdin: str | None = None, as_config: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run one of ldap-utils' programs (ldapadd, ldapmodify, ldapsearch...) bound as the admin."""
        dn, secret = (self.config_dn, "config.pw") if as_config else (self.admin_dn, "admin.pw")
        # the password from a file, never on a command line
        argv = [self._tool(name), "-x", "-H", self.url, "-D", dn, "-y", str(self.root / secret)]
        env = {}
        if self.tls is not None:
            argv.append("-ZZ")  # StartTLS, and fail if it cannot be had
            env["LDAPTLS_CACERT"] = str(self.tls.ca)
        return run([*argv, *args], stdin=stdin, timeout=30, env=env)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LdapServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
