"""Hostile or malformed input to the configuration and HTTP layers (issue #10, items 8-17):
each case ends with one line on stderr and its documented exit code, never a secret."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import API_KEY, OAUTH_ID, Emulator, Qcli, Result

from qcli.config.secrets import redact, secret_problem

# a JWT-like key wrapped at a line break, one with a CR, and one with a non-ASCII character
WRAPPED = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0\neyJhbGciOiJSUzI1NiJ9partTwo"
WITH_CR = "p1secretAAAA\rp2secretBBBB"
NON_ASCII = "k\u00e9ysecretCCCCDDDD"
PIECES = ["eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJ1c2VyIn0", "partTwo", "p1secretAAAA",
          "p2secretBBBB", "ysecretCCCCDDDD", "secret"]


def _assert_no_piece(text: str) -> None:
    for piece in PIECES:
        assert piece not in text, f"{piece!r} shown in {text!r}"


@pytest.mark.parametrize(("key", "problem"), [(WRAPPED, "a line break"),
                                              (WITH_CR, "a line break"),
                                              (NON_ASCII, "a non-ASCII character")])
def test_malformed_key_from_env_exits_2_without_echo(qcli: Qcli, emu: Emulator, key: str,
                                                     problem: str) -> None:
    result = qcli("extension", "ls", "-v", env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": key})
    assert result.code == 2, result.err
    assert result.err.startswith(f"error: the API key from QCLI_API_KEY contains {problem}")
    assert len(result.err.splitlines()) == 1
    _assert_no_piece(result.out + result.err)
    assert emu.requests() == []  # refused before any request


@pytest.mark.parametrize("key", [WRAPPED, WITH_CR, NON_ASCII])
def test_malformed_key_on_stdin_is_refused_and_not_stored(qcli: Qcli, emu: Emulator,
                                                          key: str) -> None:
    result = qcli("context", "create", "bad", "--server", emu.url, "--api-key-stdin",
                  input=key)
    assert result.code == 2
    assert result.err.startswith("error: the API key from stdin contains ")
    _assert_no_piece(result.out + result.err)
    assert not (qcli.home / "keyring.json").exists() or "bad" not in (
        qcli.home / "keyring.json").read_text()


@pytest.mark.parametrize("store", ["keyring", "file"])
def test_malformed_key_in_the_store_exits_2_naming_the_fix(qcli: Qcli, emu: Emulator,
                                                           store: str) -> None:
    env = {"QCLI_CREDENTIAL_STORE": "file"} if store == "file" else {}
    result = qcli("context", "create", "emu", "--server", emu.url, "--api-key-stdin",
                  input=API_KEY, env=env)
    assert result.code == 0, result.err
    if store == "file":  # edited by hand, or written by another tool
        path = qcli.home / "config" / "credentials.yml"
        path.write_text(path.read_text().replace(API_KEY, json.dumps(WITH_CR)))
    else:
        path = qcli.home / "keyring.json"
        path.write_text(path.read_text().replace(API_KEY, WITH_CR.replace("\r", "\\r")))
    emu.clear_requests()
    result = qcli("extension", "ls", env=env)
    assert result.code == 2, result.err
    assert result.err.startswith("error: the API key from the credentials stored for context "
                                 "'emu' contains a line break")
    assert "qcli context update emu --api-key-stdin" in result.err
    _assert_no_piece(result.out + result.err)
    assert emu.requests() == []


def test_redaction_catches_escaped_and_partial_forms() -> None:
    secret = "p1secretAAAA\rp2secretBBBB\u00e9"
    for shown in (secret, repr(secret), repr(secret.encode()), json.dumps(secret),
                  "Bearer p1secretAAAA", "value b'p2secretBBBB\\xc3\\xa9'",
                  "p1secretAAAA%0Dp2secretBBBB%C3%A9"):
        text = redact(f"error: {shown} end", [secret])
        assert "secretAAAA" not in text and "secretBBBB" not in text, text
        assert text.startswith("error: ") and text.endswith(" end")
    assert secret_problem("abc.DEF-123_~+/=") is None
    assert secret_problem("a b") == "a space"
    assert secret_problem("a\tb") == "a control character"


@pytest.mark.parametrize(("server", "says"), [
    ("http://user:s3cr3tpw@127.0.0.1:9", "must not hold a user name or password"),
    ("https://someone@acme.example", "must not hold a user name or password"),
    ("not a url", "'not a url' is not a host name"),
    ("https://acme.example/api/v1", "it has a path"),
    ("https://acme.example?tenant=1", "it has a query"),
    ("https://acme.example/#top", "it has a fragment"),
    ("http://[::1", "Invalid IPv6 URL"),
    ("http://acme.example:99999", "Port out of range"),
    ("htp:/127.0.0.1:8270", "the scheme must be followed by '://'"),
    ("https:/acme.example", "the scheme must be followed by '://'"),
    ("ftp://acme.example", "the scheme must be https (or http, for the emulator), not 'ftp'"),
])
def test_bad_server_urls_are_refused(qcli: Qcli, server: str, says: str) -> None:
    for args in (["extension", "ls", "--server", server],
                 ["context", "create", "x", "--server", server, "--api-key-stdin"]):
        result = qcli(*args, input=API_KEY, env={"QCLI_API_KEY": API_KEY})
        assert result.code == 2, result.err
        assert result.err.startswith("error: ") and says in result.err, result.err
        assert len(result.err.splitlines()) == 1
        assert "s3cr3tpw" not in result.err  # the password is never shown
    assert not (qcli.home / "config" / "contexts.yml").exists()


def test_saved_server_with_userinfo_is_masked_and_refused(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    path = qcli.home / "config" / "contexts.yml"
    host = emu.url.split("://", 1)[1]
    path.write_text(path.read_text().replace(emu.url, f"http://bob:hunter22@{host}"))
    shown = qcli("context", "ls", "-o", "json")
    assert shown.code == 0, shown.err
    assert "hunter22" not in shown.out and "bob" not in shown.out
    assert shown.json()[0]["server"] == f"http://***@{host}"
    used = qcli("extension", "ls", "-v")
    assert used.code == 2
    assert used.err.startswith("error: context 'emu': a server URL must not hold a user name")
    assert "hunter22" not in used.err


# -- a small misbehaving web server in the test process --------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers as the test says: `behaviour` is set on the server object."""

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        behaviour = self.server.behaviour  # type: ignore[attr-defined]
        self.server.seen.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        html = "text/html"
        if behaviour == "redirect-loop":
            self._send(302, Location=self.path)
        elif behaviour == "503-twice" and len(self.server.seen) <= 2:  # type: ignore[attr-defined]
            self._send(503)
        elif behaviour == "503-twice":
            self._send(200, b'{"data": []}', Content_Type="application/json")
        elif behaviour == "503-always":
            self._send(503)
        elif behaviour == "429-long":  # rate limited for more than a day
            self._send(429, Retry_After="100000")
        elif behaviour == "web-page":  # a catch-all site: 200 and a web page for every path
            self._send(200, b"<html><body>Welcome</body></html>", Content_Type=html)
        else:  # a plain web server: 404 for everything, HTML body
            self._send(404 if self.command != "POST" else 405,
                       b"<html><body>Not Found</body></html>", Content_Type=html)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _answer


@pytest.fixture
def web() -> Iterator[Callable[[str], str]]:
    """Start a server with a behaviour; returns its URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(behaviour: str) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.behaviour = behaviour  # type: ignore[attr-defined]
        server.seen = []  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _one_line(result: Result, code: int, starts: str) -> None:
    assert result.code == code, (result.code, result.err)
    assert result.err.startswith(starts), result.err
    assert len(result.err.splitlines()) == 1, result.err
    assert "internal error" not in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(("value", "says"), [("NaN", "NaN is not a JSON number"),
                                             ("-Infinity", "-Infinity is not a JSON number"),
                                             ("1e999", "the number 1e999 is too large")])
def test_non_finite_json_values_are_usage_errors(qcli: Qcli, emu: Emulator, value: str,
                                                 says: str) -> None:
    qcli.login(emu)
    emu.clear_requests()
    result = qcli("data-store", "patch", "0123456789abcdef01234567", "--op", "replace",
                  "--path", "/name", "--value", value)
    _one_line(result, 2, f"error: malformed JSON in --value: {says}")
    assert emu.requests() == []


def test_stdout_in_ascii_or_latin1(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    long_comment = "a comment long enough to be shortened in a narrow table " * 3
    assert qcli("context", "update", "emu", "--comment", long_comment).code == 0
    for encoding in ("ascii", "latin-1"):
        table = qcli("context", "ls", "-o", "table",
                     env={"PYTHONIOENCODING": encoding, "COLUMNS": "60"})
        assert table.code == 0, table.err
        assert "..." in table.out and "emu" in table.out  # the table's own ellipsis, spelt out
    assert qcli("context", "update", "emu", "--comment", "Caf\u00e9 \u2603").code == 0
    latin = qcli("context", "ls", "-o", "csv", env={"PYTHONIOENCODING": "latin-1"})
    _one_line(latin, 2, "error: stdout's encoding (iso8859-1) cannot represent the character "
                        "U+2603 of the output (hint: set PYTHONIOENCODING=utf-8")
    ascii_ = qcli("context", "ls", "-o", "json", env={"PYTHONIOENCODING": "ascii"})
    _one_line(ascii_, 2, "error: stdout's encoding (ascii) cannot represent the character "
                         "U+00E9")
    utf8 = qcli("context", "ls", "-o", "csv", env={"PYTHONIOENCODING": "utf-8"})
    assert utf8.code == 0 and "Caf\u00e9 \u2603" in utf8.out


def test_redirect_loop_is_one_line(qcli: Qcli, web: Callable[[str], str]) -> None:
    url = web("redirect-loop")
    result = qcli("extension", "ls", env={"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY})
    _one_line(result, 1, f"error: GET {url}/api/v1/extensions: too many redirects")


def test_ca_cert_that_is_not_a_certificate(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("this is not a certificate\n")
    result = qcli("extension", "ls", env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY,
                                          "QCLI_CA_CERT": str(bogus)})
    _one_line(result, 2, f"error: CA bundle {bogus}: not a PEM certificate bundle")
    assert "X509" not in result.err and "_ssl.c" not in result.err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [["--version"], ["version"], ["context", "ls", "-o", "json"],
                                  ["--help"]])
def test_full_disk_on_stdout_is_one_line(qcli: Qcli, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "qcli", *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, env=qcli.env, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr == "error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize(("header", "says"), [
    ("X-Token: abc\u00e9secretEEEE", "invalid header 'X-Token': its value contains a non-ASCII"),
    ("X-Token: abc\rsecretEEEE", "invalid header 'X-Token': its value contains a line break"),
    ("X-T\u00f6ken: abc", "invalid header '(not shown)': expected 'Name: value' in ASCII"),
])
def test_header_with_a_non_ascii_or_broken_value(qcli: Qcli, emu: Emulator, header: str,
                                                 says: str) -> None:
    result = qcli("extension", "ls", "-H", header,
                  env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY})
    _one_line(result, 2, f"error: {says}")
    assert "secretEEEE" not in result.err


def _closed_pipe_run(qcli: Qcli, *args: str) -> subprocess.CompletedProcess[str]:
    """qcli with stdout a pipe whose reader has already gone (as after `| head -1`)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "qcli", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, env=qcli.env, timeout=60,
                              cwd=qcli.home)
    finally:
        os.close(write_end)


def test_closed_pipe_exits_0_silently_in_every_format(qcli: Qcli, emu: Emulator,
                                                      tmp_path: Path) -> None:
    qcli.login(emu)
    source = tmp_path / "pipe-test.csv"
    source.write_text("a,b\n1,2\n")
    made = qcli("data-file", "create", str(source), "--name", "pipe-test-16.csv", "-q")
    assert made.code == 0, made.err
    try:
        runs = [["data-file", "ls", "-q"], ["context", "ls", "-q"], ["--version"], ["--help"],
                ["data-file", "--help"], ["version", "-o", "yaml"]]
        runs += [["data-file", "ls", "-o", fmt] for fmt in ("json", "yaml", "csv", "table")]
        for args in runs:
            proc = _closed_pipe_run(qcli, *args)
            assert (proc.returncode, proc.stderr) == (0, ""), args
        # the same under a shell's pipefail, with a reader that stops after one line
        shell = subprocess.run(["bash", "-c", "set -o pipefail; python -m qcli data-file ls -q "
                                "| head -c0"], capture_output=True, text=True,
                               env={**qcli.env, "PATH": os.path.dirname(sys.executable) + ":"
                                    + os.environ["PATH"]}, cwd=qcli.home, timeout=60)
        assert (shell.returncode, shell.stderr) == (0, "")
    finally:
        assert qcli("data-file", "rm", made.out.strip(), "--yes").code == 0


def test_a_plain_web_server_is_named_as_not_a_tenant(qcli: Qcli, web: Callable[[str], str]) -> None:
    url = web("not-found")
    env = {"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY}
    for args, request, code in (
            (["extension", "ls"], f"GET {url}/api/v1/extensions", 4),
            (["context", "test"], f"GET {url}/api/v1/users/me", 4),
            (["data-file", "ls"], f"GET {url}/api/v1/data-files", 4),
            (["data-store", "create", "--type", "qix-datafiles", "--technical-name", "x"],
             f"POST {url}/api/v1/data-stores", 1)):
        result = qcli(*args, env=env)
        _one_line(result, code, "error: 40")
        assert f"({request}" in result.err, result.err
        assert (f"hint: {url} does not look like a Qlik Cloud tenant: every tenant answers "
                f"{request.split(url)[1].split('?')[0]}") in result.err, result.err
    # a 404 on one resource is an ordinary answer: the URL, no verdict on the server
    one = qcli("extension", "get", "no-such-ext", env=env)
    _one_line(one, 4, "error: 404 Not Found")
    assert f"(GET {url}/api/v1/extensions/no-such-ext)" in one.err
    assert "Qlik Cloud tenant" not in one.err


def test_a_web_page_instead_of_json_names_the_url(qcli: Qcli, web: Callable[[str], str]) -> None:
    url = web("web-page")
    result = qcli("context", "test", env={"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY})
    _one_line(result, 1, f"error: GET {url}/api/v1/users/me: the server answered 200 with a "
                         "body that is not JSON")
    assert "does not look like a Qlik Cloud tenant" in result.err


def test_emulator_errors_name_method_and_url(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    result = qcli("extension", "get", "missing-one")
    _one_line(result, 4, "error: 404 Not Found")
    assert f"GET {emu.url}/api/v1/extensions/missing-one" in result.err
    assert "Qlik Cloud tenant" not in result.err


# -- item 12: servers that never answer, or drip ---------------------------------------------------
@pytest.fixture
def tcp() -> Iterator[Callable[[str], str]]:
    """A raw TCP server: "silent" reads the request and never answers; "drip-head" sends the
    status line one byte a second; "drip-body" sends headers, then the body one byte a second.
    Each connection is counted in `tcp.accepted`, and in `tcp.requested` once its request came."""
    sockets: list[socket.socket] = []
    stop = threading.Event()

    def serve(conn: socket.socket, behaviour: str) -> None:
        with conn:
            conn.settimeout(0.5)
            try:
                if conn.recv(65536):
                    start.requested += 1  # type: ignore[attr-defined]
                if behaviour == "silent":
                    stop.wait(60)
                    return
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                body = b'{"data": []}' + b" " * 200
                payload = head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
                if behaviour == "drip-body":
                    sent = len(payload) - len(body) + 1
                    conn.sendall(payload[:sent])
                    payload = payload[sent:]
                for i in range(len(payload)):
                    if stop.wait(1.0):
                        return
                    conn.sendall(payload[i:i + 1])
            except OSError:
                return

    def start(behaviour: str) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        sockets.append(listener)

        def accept() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                start.accepted += 1  # type: ignore[attr-defined]
                threading.Thread(target=serve, args=(conn, behaviour), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    start.accepted = 0  # type: ignore[attr-defined]
    start.requested = 0  # type: ignore[attr-defined]  # connections whose request came
    yield start
    stop.set()
    for listener in sockets:
        listener.close()


def _timed_out(qcli: Qcli, url: str, request: str, *args: str) -> tuple[str, float, float]:
    """Run qcli ARGS --timeout 2 against `url`, which must end in exit 6 with a last line
    saying REQUEST (method and path) timed out; that line, the total time qcli reports in it
    ('(after 2.0 s)' or '(... 2.0 s in all)') and the seconds the run took."""
    started = time.monotonic()
    result = qcli(*args, "--timeout", "2", env={"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY})
    took = time.monotonic() - started
    assert result.code == 6, result.err
    last = result.err.splitlines()[-1]
    method, path = request.split(" ")
    assert last.startswith(f"error: {method} {url}{path} timed out: no complete answer "
                           "within 2 s ("), last
    spent = float(last.split(" s in all)" if "in all" in last else " s)")[0].rsplit(" ", 1)[1])
    return last, spent, took


@pytest.mark.parametrize("behaviour", ["silent", "drip-head", "drip-body"])
def test_timeout_bounds_the_whole_request(qcli: Qcli, tcp: Callable[[str], str],
                                          behaviour: str) -> None:
    url = tcp(behaviour)
    _, spent, took = _timed_out(qcli, url, "GET /api/v1/extensions", "extension", "ls")
    assert 1.5 <= spent < 15  # the real total, as measured by qcli
    assert took < 15, f"{behaviour}: {took:.1f} s with --timeout 2"


def test_each_retry_is_announced_unless_quiet(qcli: Qcli, web: Callable[[str], str]) -> None:
    url = web("503-twice")
    env = {"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY}
    result = qcli("extension", "ls", env=env)
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert len(lines) == 2, result.err
    for n, line in enumerate(lines, start=2):
        assert line.startswith(f"retrying ({n}/5) after 503 Service Unavailable, in "), line
        assert line.endswith(f" s: GET {url}/api/v1/extensions")
    quiet = qcli("extension", "ls", "-q", env=env)
    assert quiet.code == 0 and quiet.err == ""


def test_refused_connection_retries_are_announced_and_totalled(qcli: Qcli) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    result = qcli("extension", "ls", env={"QCLI_SERVER": f"http://127.0.0.1:{port}",
                                          "QCLI_API_KEY": API_KEY})
    assert result.code == 6
    lines = result.err.splitlines()
    assert [line.split(" after ")[0] for line in lines[:-1]] == [
        f"retrying ({n}/5)" for n in range(2, 6)]
    assert lines[-1].startswith(f"error: cannot connect to http://127.0.0.1:{port}: ")
    assert f"(GET http://127.0.0.1:{port}/api/v1/extensions; 5 tries, " in lines[-1]


def test_timeout_bounds_tus_creation_and_its_retries(qcli: Qcli, tcp: Callable[[str], str],
                                                     tmp_path: Path) -> None:
    url = tcp("silent")
    (tmp_path / "sales.csv").write_text("a,b\n1,2\n")
    last, spent, took = _timed_out(qcli, url, "POST /api/v1/temp-contents/files",
                                   "temp-content", "create", str(tmp_path / "sales.csv"))
    assert 1.5 <= spent < 5, last  # the real total, as measured by qcli
    assert took < 10, f"{took:.1f} s with --timeout 2 (was 8 tries of 2 s and their pauses)"


def test_tus_retries_are_announced_as_the_clients_are(qcli: Qcli, web: Callable[[str], str],
                                                      tmp_path: Path) -> None:
    url = web("503-always")
    (tmp_path / "sales.csv").write_text("a,b\n1,2\n")
    env = {"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY}
    started = time.monotonic()
    result = qcli("temp-content", "create", str(tmp_path / "sales.csv"), "--timeout", "2",
                  env=env)
    took = time.monotonic() - started
    assert result.code != 0
    lines = result.err.splitlines()
    assert len(lines) >= 2, result.err  # one retry at least within 2 s (pauses of 0.25-1 s)
    for n, line in enumerate(lines[:-1], start=2):
        assert line.startswith(f"retrying ({n}/8) after 503 Service Unavailable, in "), line
        assert line.endswith(f" s: POST {url}/api/v1/temp-contents/files"), line
    assert lines[-1].startswith("error: ") and "503" in lines[-1], lines[-1]
    assert took < 10, f"{took:.1f} s with --timeout 2"
    quiet = qcli("temp-content", "create", str(tmp_path / "sales.csv"), "--timeout", "2", "-q",
                 env=env)
    assert quiet.code == result.code and len(quiet.err.splitlines()) == 1, quiet.err


# -- item 10: whose key ---------------------------------------------------------------------------
def test_a_context_chosen_by_name_uses_its_own_key(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    wrong = {"QCLI_API_KEY": "not-the-key-0000"}
    for args, env in ((["--context", "emu", "context", "test"], wrong),
                      (["context", "test", "emu"], wrong),
                      (["extension", "ls", "--context", "emu"], wrong),
                      (["extension", "ls"], {**wrong, "QCLI_CONTEXT": "emu"})):
        result = qcli(*args, env=env)
        assert result.code == 0, (args, result.err)
    # the current context, not chosen by name: QCLI_API_KEY wins, and a 401 says so
    result = qcli("extension", "ls", env=wrong)
    _one_line(result, 3, "error: 401 Unauthorized")
    assert "hint: the API key came from QCLI_API_KEY: fix or unset it" in result.err
    assert "not-the-key-0000" not in result.err
    # a context's own key refused: the hint names the context
    stale = qcli.home / "keyring.json"
    stale.write_text(stale.read_text().replace(API_KEY, "stale-key-1111"))
    result = qcli("extension", "ls")
    _one_line(result, 3, "error: 401 Unauthorized")
    assert "hint: the API key of context 'emu' was refused: 'qcli context update emu " in (
        result.err)


# -- item 17 (parts) ------------------------------------------------------------------------------
@pytest.mark.parametrize("when", ["requested", "accepted"])
def test_ctrl_c_on_a_plain_command_says_interrupted(qcli: Qcli, tcp: Callable[[str], str],
                                                    when: str) -> None:
    """Ctrl-C while the request is in flight, or as soon as the connection is open (qcli opens
    it while it loads: qcli.http.preconnect), so while typer and httpx load."""
    url = tcp("silent")
    proc = subprocess.Popen([sys.executable, "-m", "qcli", "extension", "ls", "--timeout", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**qcli.env, "QCLI_SERVER": url, "QCLI_API_KEY": API_KEY})
    try:
        deadline = time.monotonic() + 30
        while getattr(tcp, when) == 0:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert (out, err) == ("", "interrupted\n")


def test_failed_oauth_token_request_gives_an_oauth_hint(qcli: Qcli, emu: Emulator) -> None:
    made = qcli("context", "create", "svc", "--server", emu.url, "--oauth-client-id", OAUTH_ID,
                "--oauth-client-secret-stdin", input="wrong-secret")
    assert made.code == 0, made.err
    result = qcli("extension", "ls")
    _one_line(result, 3, "error: OAuth token request failed: 401")
    assert "hint: the OAuth client ID or secret was refused: 'qcli context update svc " in (
        result.err)
    assert "API key" not in result.err


def test_a_very_long_retry_after_says_how_long(qcli: Qcli, web: Callable[[str], str]) -> None:
    url = web("429-long")
    started = time.monotonic()
    result = qcli("extension", "ls", env={"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY})
    assert time.monotonic() - started < 15  # failed at once, did not wait
    _one_line(result, 1, "error: 429 Too Many Requests")
    assert "the server asks to wait 27.8 h before trying again, longer than the 5 min qcli " in (
        result.err)


@pytest.mark.parametrize(("typo", "suggested"), [("--bogus", None), ("--xyz", None),
                                                 ("--verbos", "--verbose"), ("--jsn", "--json"),
                                                 ("--outptu", "--output")])
def test_unknown_option_suggests_only_near_misses(qcli: Qcli, typo: str,
                                                  suggested: str | None) -> None:
    result = qcli("extension", "ls", typo)
    _one_line(result, 2, f"error: No such option: {typo}")
    if suggested is None:
        assert "Possible options" not in result.err
    else:
        assert f"(Possible options: {suggested})" in result.err


def test_timeout_does_not_cut_an_upload_that_keeps_moving(qcli: Qcli, tmp_path: Path) -> None:
    """--timeout bounds a stall, not a long upload: a server that takes a 40 MB body at about
    10 MB/s (4 s or more) gets all of it with --timeout 2, then answers, and qcli exits 0."""
    body = tmp_path / "big.json"
    body.write_text('{"pad": "' + "x" * (40 * 1024 * 1024) + '"}')
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 262144)  # no autotuned MBs
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    got: list[int] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(65536)
            head, _, rest = head.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            received = len(rest)
            while received < length:
                time.sleep(0.05)
                chunk = conn.recv(min(1048576, length - received))
                if not chunk:
                    break
                received += len(chunk)
            got.append(received)
            answer = b'{"ok": true}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(answer)).encode() + b"\r\n\r\n" + answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        started = time.monotonic()
        result = qcli("raw", "post", "v1/slow", "--body-file", str(body), "--timeout", "2",
                      env={"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY})
        took = time.monotonic() - started
    finally:
        listener.close()
    assert result.code == 0, result.err
    assert got == [body.stat().st_size]
    assert took > 3  # the body really took longer than --timeout to send
