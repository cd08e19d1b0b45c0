"""TLS: the emulator serves HTTPS with a certificate from a private CA (trustme)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import API_KEY, Emulator, Qcli


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory: pytest.TempPathFactory) -> tuple[Emulator, Path]:
    import trustme

    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    emu = Emulator(folder / "tenant", extra=["--tls-cert", str(folder / "server.pem")]).start()
    assert emu.url.startswith("https://")
    yield emu, folder / "ca.pem"
    emu.stop()


def _env(emu: Emulator, **extra: str) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY, **extra}


def test_untrusted_certificate_is_refused_with_a_fix(qcli: Qcli, tls_emulator) -> None:
    emu, _ = tls_emulator
    result = qcli("extension", "ls", env=_env(emu))
    assert result.code == 6
    assert result.err.startswith("error: TLS certificate of 127.0.0.1:")
    assert "--ca-cert" in result.err and "--insecure" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_ca_cert_flag_env_and_ssl_cert_file(qcli: Qcli, tls_emulator) -> None:
    emu, ca = tls_emulator
    assert qcli("extension", "ls", "--ca-cert", str(ca), env=_env(emu)).code == 0
    assert qcli("extension", "ls", env=_env(emu, QCLI_CA_CERT=str(ca))).code == 0
    assert qcli("extension", "ls", env=_env(emu, SSL_CERT_FILE=str(ca))).code == 0
    missing = qcli("extension", "ls", "--ca-cert", "/nonexistent/ca.pem", env=_env(emu))
    assert missing.code == 2
    assert "CA bundle not found" in missing.err


def test_insecure_warns_every_time(qcli: Qcli, tls_emulator) -> None:
    emu, _ = tls_emulator
    for _ in range(2):
        result = qcli("extension", "ls", "--insecure", env=_env(emu))
        assert result.code == 0, result.err
        assert "warning: TLS certificate verification is off" in result.err


def test_context_with_ca_cert(qcli: Qcli, tls_emulator) -> None:
    emu, ca = tls_emulator
    made = qcli("context", "create", "tls", "--server", emu.url, "--ca-cert", str(ca),
                "--api-key-stdin", input=API_KEY)
    assert made.code == 0, made.err
    assert qcli("context", "test", "--json").code == 0
