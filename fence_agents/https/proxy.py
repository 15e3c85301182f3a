"""Which HTTP proxy (if any) carries a connection to ``host``, from the environment, as ``requests`` decides
it for the stock fence_redfish (``trust_env``): ``https_proxy`` / ``HTTPS_PROXY``, else ``all_proxy`` /
``ALL_PROXY`` (lower case wins), unless ``no_proxy`` / ``NO_PROXY`` covers the host (``*``; a domain suffix,
with or without a leading dot; an IP address or CIDR block; ``host:port``). Pure: the environment comes in.

Only ``http://`` proxies (a CONNECT tunnel, optional ``user:password@`` for Proxy-Authorization) are
supported; any other scheme is one clear error rather than a silent direct connection.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


class ProxyError(ValueError):
    """The environment names a proxy we cannot use (the message says which variable)."""


class Proxy:
    __slots__ = ("host", "port", "credentials", "source")

    def __init__(self, host: str, port: int, credentials: str | None, source: str) -> None:
        self.host, self.port, self.credentials, self.source = host, port, credentials, source


def _variable(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    for key in (name, name.upper()):
        if environ.get(key):
            return key, environ[key]
    return None


def _ip_value(host: str) -> tuple[int, int] | None:
    """(version, integer) of an IPv4 or IPv6 literal, else None (``ipaddress`` is slow to import)."""
    import _socket

    for family, version in ((_socket.AF_INET, 4), (_socket.AF_INET6, 6)):
        try:
            return version, int.from_bytes(_socket.inet_pton(family, host.strip("[]")), "big")
        except OSError:
            continue
    return None


def _in_block(address: tuple[int, int], block: str) -> bool:
    network, _, bits = block.partition("/")
    net = _ip_value(network)
    width = 32 if address[0] == 4 else 128
    if net is None or net[0] != address[0] or not bits.isdigit() or int(bits) > width:
        return False
    shift = width - int(bits)
    return address[1] >> shift == net[1] >> shift


def bypassed(host: str, port: int, no_proxy: str) -> bool:
    host = host.strip("[]").lower()
    address = _ip_value(host)
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if address is not None:
            if entry.strip("[]") == host or ("/" in entry and _in_block(address, entry)):
                return True
            continue
        name = entry.lstrip(".")
        if name.endswith(f":{port}"):
            name = name[: -len(f":{port}")]
        elif ":" in name:
            continue  # a host:port entry for another port
        if host == name or host.endswith("." + name):
            return True
    return False


def proxy_for(host: str, port: int, environ: Mapping[str, str]) -> Proxy | None:
    """The proxy for an HTTPS connection to ``host:port``; None: connect directly."""
    found = _variable(environ, "https_proxy") or _variable(environ, "all_proxy")
    if found is None:
        return None
    no_proxy = _variable(environ, "no_proxy")
    if no_proxy is not None and bypassed(host, port, no_proxy[1]):
        return None
    source, url = found
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        scheme, rest = "http", url.strip()  # requests assumes http:// too
    if scheme.lower() != "http":
        raise ProxyError(f"{source}: only http:// proxies are supported, not {scheme}://")
    authority = rest.split("/", 1)[0]
    credentials, _, hostport = authority.rpartition("@")
    proxy_host, proxy_port = hostport, "80"
    if hostport.startswith("["):
        proxy_host, _, tail = hostport.partition("]")
        proxy_host, proxy_port = proxy_host[1:], tail.lstrip(":") or "80"
    elif ":" in hostport:
        proxy_host, proxy_port = hostport.rsplit(":", 1)
    if not proxy_host or not proxy_port.isdigit():
        raise ProxyError(f"{source}: cannot read a proxy host and port in it")
    return Proxy(proxy_host, int(proxy_port), _unquote(credentials) or None, source)


def _unquote(text: str) -> str:
    """%XX escapes in ``user:password`` (a password may contain @ or :)."""
    if "%" not in text:
        return text
    from urllib.parse import unquote

    return unquote(text)
