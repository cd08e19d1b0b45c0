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


def test_download_over_tls_is_byte_identical(qcli: Qcli, tls_emulator, tmp_path: Path) -> None:
    """#14: a download's body is read straight from the TLS socket (not through httpx's parser):
    the same bytes, to a file and to stdout."""
    import random

    emu, ca = tls_emulator
    src = tmp_path / "src.bin"
    # letters and newlines, so stdout can be compared as text too
    src.write_bytes(bytes(random.Random(14).choices(b"abcdefgh\n", k=3 * 1024 * 1024 + 7)))
    made = qcli("temp-content", "create", str(src), "--ca-cert", str(ca), "-q", env=_env(emu))
    assert made.code == 0, made.err
    temp_id = made.out.strip()
    out = tmp_path / "out.bin"
    got = qcli("temp-content", "download", temp_id, "--output-file", str(out), "--ca-cert",
               str(ca), env=_env(emu))
    assert got.code == 0, got.err
    assert out.read_bytes() == src.read_bytes()
    piped = qcli("temp-content", "download", temp_id, "--output-file", "-", "--ca-cert",
                 str(ca), "-q", env=_env(emu))
    assert piped.code == 0, piped.err
    assert piped.out == src.read_text()
