"""Proxies from the environment (as requests picks them for the stock agent) and redirects within the BMC,
through fence_redfish's HTTP layer against real servers: a real CONNECT proxy, a redirecting service."""

from __future__ import annotations

import json
import logging
import select
import socket

import pytest

from emulators.redfish.certs import TlsFiles
from fence_agents.agents.redfish_http import HttpSettings, RedfishHttp
from fence_agents.errors import ConnectError, DeviceError
from fence_agents.https.proxy import ProxyError, bypassed, proxy_for

from .servers import Peer, json_answer, serving

LOG = logging.getLogger("tests.https")


def http(port: int, env: dict[str, str]) -> RedfishHttp:
    settings = HttpSettings(f"https://127.0.0.1:{port}", "admin", "pw", False, 2.0, 2.0, LOG)
    return RedfishHttp(settings, env)


# -- which proxy (pure) ------------------------------------------------------------------------------------
def test_lower_case_wins_and_all_proxy_is_the_fallback() -> None:
    env = {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2", "ALL_PROXY": "http://all:3"}
    found = proxy_for("bmc", 443, env)
    assert found is not None and (found.host, found.port, found.source) == ("lower", 2, "https_proxy")
    fallback = proxy_for("bmc", 443, {"ALL_PROXY": "proxy.example:3128"})  # no scheme: http, as requests
    assert fallback is not None and (fallback.host, fallback.port) == ("proxy.example", 3128)
    assert proxy_for("bmc", 443, {"http_proxy": "http://p:1"}) is None  # plain-HTTP proxies are not for https


@pytest.mark.parametrize(
    ("host", "no_proxy", "bypass"),
    [
        ("bmc.lab.example", "lab.example", True),
        ("bmc.lab.example", ".lab.example", True),
        ("bmc.lab.example", "other.example, lab.example", True),
        ("badlab.example", "lab.example", False),
        ("10.1.2.3", "10.0.0.0/8", True),
        ("10.1.2.3", "10.1.2.3", True),
        ("11.1.2.3", "10.0.0.0/8", False),
        ("::1", "::1", True),
        ("fd00::5", "fd00::/64", True),
        ("bmc", "*", True),
        ("bmc", "bmc:443", True),
        ("bmc", "bmc:8443", False),
    ],
)
def test_no_proxy_entries(host: str, no_proxy: str, bypass: bool) -> None:
    assert bypassed(host, 443, no_proxy) is bypass


def test_a_proxy_we_cannot_use_is_an_error_not_a_direct_connection() -> None:
    with pytest.raises(ProxyError, match="HTTPS_PROXY: only http:// proxies are supported, not socks5://"):
        proxy_for("bmc", 443, {"HTTPS_PROXY": "socks5://p:1080"})


# -- a real CONNECT proxy ----------------------------------------------------------------------------------
def connect_proxy(answer: bytes = b"HTTP/1.1 200 Connection established\r\n\r\n") -> object:
    def proxy(peer: Peer, number: int) -> None:
        request = peer.read_request()
        if request is None:
            return
        peer.send(answer)
        if not answer.startswith(b"HTTP/1.1 200"):
            return
        host, port = request.target.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as upstream:
            relay(peer.sock, upstream, peer)

    return proxy


def relay(a: socket.socket, b: socket.socket, peer: Peer) -> None:
    while not peer.stop.is_set():
        ready, _, _ = select.select([a, b], [], [], 0.1)
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


def service(peer: Peer, number: int) -> None:
    while (request := peer.read_request()) is not None:
        peer.send(json_answer(json.dumps({"Id": "1", "Via": request.target}).encode()))


def test_requests_go_through_the_proxy_of_the_environment(tls: TlsFiles) -> None:
    with serving(service, tls) as bmc, serving(connect_proxy(), None) as proxy:
        env = {"https_proxy": f"http://fence%40lab:pa%3Ass@127.0.0.1:{proxy.port}"}
        client = http(bmc.port, env)
        assert client.get_json("/redfish/v1/Systems/1")[1]["Id"] == "1"
        assert client.get_json("/redfish/v1/Systems/1")[1]["Id"] == "1"  # through the same tunnel
        client.close()
    (connect,) = proxy.requests
    assert connect.line == f"CONNECT 127.0.0.1:{bmc.port} HTTP/1.1"
    assert connect.headers["proxy-authorization"] == "Basic ZmVuY2VAbGFiOnBhOnNz"  # fence@lab:pa:ss
    assert proxy.connections == 1 and bmc.connections == 1


def test_no_proxy_goes_direct_and_a_refusing_proxy_is_one_line(tls: TlsFiles) -> None:
    refusing = connect_proxy(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
    with serving(service, tls) as bmc, serving(refusing, None) as proxy:
        env = {"HTTPS_PROXY": f"127.0.0.1:{proxy.port}", "NO_PROXY": "localhost,127.0.0.0/8"}
        assert http(bmc.port, env).get_json("/redfish/v1")[1]["Id"] == "1"
        assert proxy.connections == 0
        with pytest.raises(ConnectError) as err:
            http(bmc.port, {"HTTPS_PROXY": f"127.0.0.1:{proxy.port}"}).get_json("/redfish/v1")
    assert str(err.value) == (
        f"Failed: the proxy refused a tunnel to 127.0.0.1:{bmc.port}: HTTP 407 Proxy Authentication Required"
    )
    with pytest.raises(ConnectError) as gone:  # the proxy's port is closed now
        http(bmc.port, {"https_proxy": f"http://127.0.0.1:{proxy.port}"}).get_json("/redfish/v1")
    assert str(gone.value) == (
        "Unable to connect/login to fencing device through the proxy"
        f" 127.0.0.1:{proxy.port} (from https_proxy): it does not answer"
    )


# -- redirects ---------------------------------------------------------------------------------------------
def redirecting(peer: Peer, number: int) -> None:
    """/by-name -> 307 /Systems/uuid (sushy-tools does this); /moved -> 301; /away -> another host."""
    while (request := peer.read_request()) is not None:
        target, method = request.target, request.method
        if target in ("/by-name", "/moved"):
            code = "307 Temporary Redirect" if target == "/by-name" else "301 Moved Permanently"
            peer.send(json_answer(b"", code, "Location: /Systems/uuid\r\n"))
        elif target == "/away":
            peer.send(json_answer(b"", "302 Found", "Location: https://192.0.2.9/Systems/1\r\n"))
        else:
            body = {
                "Id": "uuid",
                "Method": method,
                "Body": request.body.decode(),
                "Auth": "authorization" in request.headers,
            }
            peer.send(json_answer(json.dumps(body).encode()))


def test_redirects_within_the_bmc_are_followed_as_requests_would(tls: TlsFiles) -> None:
    with serving(redirecting, tls) as bmc:
        client = http(bmc.port, {})
        assert client.get_json("/by-name")[1] == {"Id": "uuid", "Method": "GET", "Body": "", "Auth": True}
        post = client.request("POST", "/by-name", {"ResetType": "ForceOff"})  # 307: method and body kept
        assert post.body["Method"] == "POST" and json.loads(post.body["Body"]) == {"ResetType": "ForceOff"}
        refused = client.request("POST", "/moved", {"ResetType": "ForceOff"})  # 301 would turn it into a GET
        assert refused.status == 301
        assert client.get_json("/moved")[1]["Method"] == "GET"
        with pytest.raises(DeviceError, match=r"^Failed: https://192.0.2.9/Systems/1 is not on https://127"):
            client.get_json("/away")  # credentials never go to another host
        assert bmc.connections == 1


def test_a_compressed_answer_is_inflated_and_a_broken_one_is_one_line(tls: TlsFiles) -> None:
    import gzip

    def compressing(peer: Peer, number: int) -> None:
        while (request := peer.read_request()) is not None:
            body = gzip.compress(b'{"Id": "1"}') if request.target == "/good" else b"\x1f\x8b broken"
            peer.send(json_answer(body, extra="Content-Encoding: gzip\r\n"))

    with serving(compressing, tls) as bmc:
        client = http(bmc.port, {})
        assert client.get_json("/good")[1] == {"Id": "1"}
        with pytest.raises(DeviceError, match=r"^Failed: a gzip body that does not inflate"):
            client.get_json("/bad")


def test_targets_are_quoted_and_bases_split() -> None:
    from fence_agents.agents.redfish_http import quote_target, split_base

    assert quote_target("/redfish/v1/Systems/System.Embedded.1") == "/redfish/v1/Systems/System.Embedded.1"
    assert quote_target("/Systems/blade 1/é") == "/Systems/blade%201/%C3%A9"
    assert quote_target("/Systems/a%20b") == "/Systems/a%20b"  # an escape stays as it is
    assert split_base("https://[fd00::7]:8443") == ("fd00::7", 8443)
    assert split_base("https://bmc.example:443") == ("bmc.example", 443)
    assert split_base("https://bmc.example") == ("bmc.example", 443)
