"""For a plain-http server the CA bundle is read only when a TLS connection is made (a redirect to
https, a proxy over TLS), and that connection is verified as it always was."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import httpx
import pytest
from conftest import API_KEY, Emulator, Qcli, make_extension_dir

from qcli.config.settings import Connection
from qcli.http.client import HttpClient
from qcli.http.tls import DeferredCAContext


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory: pytest.TempPathFactory) -> tuple[Emulator, Path]:
    import trustme

    folder = tmp_path_factory.mktemp("tls-deferred")
    ca = trustme.CA()
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(
        str(folder / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    emu = Emulator(folder / "tenant", extra=["--tls-cert", str(folder / "server.pem")]).start()
    yield emu, folder / "ca.pem"
    emu.stop()


def test_the_context_is_the_default_one_without_its_ca_bundle() -> None:
    deferred, usual = DeferredCAContext(), ssl.create_default_context(cafile=certifi.where())
    for attr in ("protocol", "options", "verify_flags", "verify_mode", "check_hostname",
                 "minimum_version", "maximum_version", "hostname_checks_common_name",
                 "post_handshake_auth", "security_level"):
        assert getattr(deferred, attr) == getattr(usual, attr), attr
    assert deferred.cert_store_stats()["x509_ca"] == 0 and not deferred.ca_loaded
    assert deferred.get_ca_certs() == []


def test_a_plain_http_server_reads_no_ca_bundle(emu: Emulator) -> None:
    with HttpClient(Connection(server=emu.url, auth="api-key", api_key=API_KEY)) as http:
        assert http.json("GET", "/api/v1/extensions")["data"] == []
        ctx = http._client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert isinstance(ctx, DeferredCAContext)
    assert not ctx.ca_loaded and ctx.cert_store_stats()["x509_ca"] == 0


def test_the_first_handshake_reads_the_bundle_and_verifies(
        tls_emulator: tuple[Emulator, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    emu, ca = tls_emulator
    with (httpx.Client(verify=DeferredCAContext()) as client,  # certifi does not trust the CA
          pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED")):
        client.get(f"{emu.url}/api/v1/extensions")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # httpx's rule for verify=True, read then
    ctx = DeferredCAContext()
    with httpx.Client(verify=ctx) as client:
        assert client.get(f"{emu.url}/api/v1/extensions").status_code == 401  # TLS passed
    assert ctx.ca_loaded and ctx.cert_store_stats()["x509_ca"] == 1


def test_a_tab_passes_tls_options_on_the_line_to_a_cold_fetch(
        qcli: Qcli, tls_emulator: tuple[Emulator, Path], tmp_path: Path) -> None:
    """`qcli --insecure extension get <TAB>` (or --ca-cert) against a tenant with a private CA:
    the completion's own fetch uses the options on the line, as the command would."""
    emu, ca = tls_emulator
    env = {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}
    made = qcli("extension", "create", str(make_extension_dir(tmp_path, "tls-tab")), "-q",
                "--ca-cert", str(ca), env=env)
    assert made.code == 0, made.err

    def tab(line: str) -> list[str]:
        words = line.split(" ")
        cache = tmp_path / f"cache-{len(list(tmp_path.iterdir()))}"  # a cold fetch every time
        result = qcli(env=dict(env, _QCLI_COMPLETE="complete_bash", COMP_WORDS=line,
                               COMP_CWORD=str(len(words) - 1), XDG_CACHE_HOME=str(cache)))
        assert result.code == 0 and result.err == ""
        return result.out.split()

    assert tab("qcli extension get tls-") == []  # certifi does not trust the CA: nothing
    assert tab("qcli --insecure extension get tls-") == ["tls-tab"]
    assert tab(f"qcli extension get --ca-cert {ca} tls-") == ["tls-tab"]
