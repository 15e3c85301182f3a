"""The lean HTTPS client against real sockets: deadlines, TLS trust and failures, framing, keep-alive.

Every server here is a real listener on 127.0.0.1 (tests/https/servers.py); the client is the one
fence_redfish runs.
"""

from __future__ import annotations

import logging
import time

import pytest

from emulators.redfish.certs import TlsFiles
from fence_agents.errors import ConnectError, ConnectionLost, DeviceError, DeviceTimeout
from fence_agents.https.client import HttpsConnection

from .servers import Peer, json_answer, serving

LOG = logging.getLogger("tests.https")
OK = json_answer(b'{"PowerState": "On"}')
NO_ENV: dict[str, str] = {}


def client(
    port: int, verify: bool = False, env: dict[str, str] | None = None, **timeouts: float
) -> HttpsConnection:
    connect, read = timeouts.get("connect", 2.0), timeouts.get("read", 2.0)
    return HttpsConnection("127.0.0.1", port, verify, connect, read, LOG, NO_ENV if env is None else env)


def answer_each(answer: bytes) -> object:
    def script(peer: Peer, number: int) -> None:
        while peer.read_request() is not None:
            peer.send(answer)

    return script


def get(conn: HttpsConnection, target: str = "/redfish/v1/Systems/1") -> bytes:
    return conn.request("GET", target, {"Accept": "application/json"}, None).body


# -- deadlines ---------------------------------------------------------------------------------------------
def test_a_hung_server_times_out_within_the_read_deadline(tls: TlsFiles) -> None:
    def hang(peer: Peer, number: int) -> None:
        peer.read_request()
        peer.hang()

    with serving(hang, tls) as server:
        conn = client(server.port, read=0.4)
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            get(conn)
        assert 0.35 <= time.monotonic() - started < 2.0


def test_a_hung_tls_handshake_times_out_within_the_connect_deadline(tls: TlsFiles) -> None:
    with serving(lambda peer, n: peer.hang(), tls, handshake=False) as server:  # TCP accepted, no TLS
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            get(client(server.port, connect=0.4, read=5.0))
        assert time.monotonic() - started < 2.0


def test_a_trickling_answer_is_cut_at_the_total_deadline(tls: TlsFiles) -> None:
    def trickle(peer: Peer, number: int) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        while not peer.stop.wait(0.05):  # a byte every 50 ms: each read returns, the whole never ends
            peer.send(b"x")

    with serving(trickle, tls) as server:
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            get(client(server.port, read=0.5))
        assert time.monotonic() - started < 2.0


# -- TLS ---------------------------------------------------------------------------------------------------
def test_an_untrusted_certificate_is_one_line(tls: TlsFiles) -> None:
    with serving(answer_each(OK), tls) as server:
        with pytest.raises(ConnectError) as err:
            get(
                client(
                    server.port, verify=True, env={"REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}
                )
            )
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"Failed: TLS with https://127.0.0.1:{server.port} failed: ")
    assert "CERTIFICATE_VERIFY_FAILED" in line and "--ssl-insecure" in line


def test_the_host_name_is_checked(tls: TlsFiles) -> None:
    env = {"CURL_CA_BUNDLE": str(tls.ca_file)}  # the certificate names 127.0.0.1 and localhost
    with serving(answer_each(OK), tls) as server:
        assert (
            get(HttpsConnection("localhost", server.port, True, 2.0, 2.0, LOG, env))
            == b'{"PowerState": "On"}'
        )
    with serving(answer_each(OK), tls, host="127.0.0.2") as server:  # trusted CA, but not its address
        conn = HttpsConnection("127.0.0.2", server.port, True, 2.0, 2.0, LOG, env)
        with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED.*mismatch"):
            get(conn)


def test_a_plain_http_port_is_one_line() -> None:
    def plain(peer: Peer, number: int) -> None:  # any bytes (a TLS ClientHello) get a plain HTTP 400
        peer.sock.recv(4096)
        peer.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    with serving(plain, None) as server:
        with pytest.raises(ConnectError, match=r"failed: WRONG_VERSION_NUMBER.*does not speak TLS"):
            get(client(server.port))


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_from_the_environment_is_trusted(tls: TlsFiles, variable: str) -> None:
    with serving(answer_each(OK), tls) as server:
        assert (
            get(client(server.port, verify=True, env={variable: str(tls.ca_file)})) == b'{"PowerState": "On"}'
        )


def test_requests_ca_bundle_wins_over_curl_ca_bundle(tls: TlsFiles) -> None:
    env = {"REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt", "CURL_CA_BUNDLE": str(tls.ca_file)}
    with serving(answer_each(OK), tls) as server:
        with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            get(client(server.port, verify=True, env=env))


def test_ssl_cert_file_reaches_the_default_store(tls: TlsFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_file))  # read by OpenSSL's default paths
    with serving(answer_each(OK), tls) as server:
        assert get(client(server.port, verify=True, env={})) == b'{"PowerState": "On"}'
    monkeypatch.delenv("SSL_CERT_FILE")
    with serving(answer_each(OK), tls) as server:  # the system store does not know the test CA
        with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            get(client(server.port, verify=True, env={}))


def test_insecure_ignores_a_bundle_that_does_not_even_exist(tls: TlsFiles) -> None:
    env = {"REQUESTS_CA_BUNDLE": "/nonexistent/ca.pem"}
    with serving(answer_each(OK), tls) as server:
        assert get(client(server.port, verify=False, env=env)) == b'{"PowerState": "On"}'
        with pytest.raises(
            ConnectError, match=r"^Failed: REQUESTS_CA_BUNDLE=/nonexistent/ca.pem is not a usable"
        ):
            get(client(server.port, verify=True, env=env))


# -- framing and keep-alive --------------------------------------------------------------------------------
def test_a_chunked_answer_in_pieces_with_trailers(tls: TlsFiles) -> None:
    def chunked(peer: Peer, number: int) -> None:
        while peer.read_request() is not None:
            peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for piece in (b'5;ext=1\r\n{"Pow', b"\r\n", b'f\r\nerState": "On"}\r\n', b"0\r\nX-T: 1\r\n\r\n"):
                peer.send(piece)

    with serving(chunked, tls) as server:
        conn = client(server.port)
        assert [get(conn), get(conn)] == [b'{"PowerState": "On"}'] * 2
        assert server.connections == 1


def test_one_connection_carries_every_request(tls: TlsFiles) -> None:
    with serving(answer_each(OK), tls) as server:
        conn = client(server.port)
        for _ in range(5):
            assert get(conn) == b'{"PowerState": "On"}'
        assert (server.connections, conn.connections, len(server.requests)) == (1, 1, 5)


def test_connection_close_and_a_server_closing_when_idle_reconnect(tls: TlsFiles) -> None:
    def once(peer: Peer, number: int) -> None:  # answers one request per connection, then closes
        if peer.read_request() is not None:
            extra = "Connection: close\r\n" if number % 2 else ""  # odd: says so; even: just closes
            peer.send(json_answer(b"{}", extra=extra))

    with serving(once, tls) as server:
        conn = client(server.port)
        assert [get(conn) for _ in range(4)] == [b"{}"] * 4
        assert server.connections == 4


def test_a_get_on_a_connection_closed_under_it_is_sent_again_but_a_post_is_not(tls: TlsFiles) -> None:
    def drop_second(peer: Peer, number: int) -> None:  # reads the second request, closes without answer
        if peer.read_request() is not None:
            peer.send(OK)
        if peer.read_request() is not None:
            return
        peer.hang()

    with serving(drop_second, tls) as server:
        conn = client(server.port)
        get(conn)
        assert get(conn) == b'{"PowerState": "On"}'  # sent again on a second connection
        assert server.connections == 2 and [r.method for r in server.requests] == ["GET", "GET", "GET"]
        with pytest.raises(ConnectionLost):
            conn.request("POST", "/reset", {}, b'{"ResetType": "ForceOff"}')
        assert [r.method for r in server.requests].count("POST") == 1


def test_garbage_instead_of_http_is_one_line(tls: TlsFiles) -> None:
    def garbage(peer: Peer, number: int) -> None:
        peer.read_request()
        peer.send(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")

    with serving(garbage, tls) as server:
        with pytest.raises(DeviceError, match="broke HTTP: not an HTTP/1.x status line"):
            get(client(server.port))


def test_the_request_is_framed_as_a_server_reads_it(tls: TlsFiles) -> None:
    with serving(answer_each(OK), tls) as server:
        conn = client(server.port)
        conn.request("POST", "/r", {"Content-Type": "application/json"}, b'{"ResetType": "On"}')
        conn.request("DELETE", "/s/1", {}, None)
    post, delete = server.requests
    assert post.headers["host"] == f"127.0.0.1:{server.port}" and post.body == b'{"ResetType": "On"}'
    assert post.headers["content-length"] == "19" and "content-length" not in delete.headers
