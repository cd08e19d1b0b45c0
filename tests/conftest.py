"""Fixtures: a real emulator on a free loopback port, and qcli run as a subprocess against it."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).parent
API_KEY = "test-key-3f9a7c1e5b"
OAUTH_ID, OAUTH_SECRET = "svc-client", "oauth-secret-8d2e4f"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def first_line(proc: subprocess.Popen[str], what: str, timeout: float = 20) -> str:
    """The first line a server prints on stdout (its URL or port)."""
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout=timeout):
        proc.kill()
        raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
    return proc.stdout.readline().strip()


class Emulator:
    def __init__(self, data_dir: Path, api_key: str = API_KEY, extra: list[str] | None = None,
                 contract_log: Path | None = None):
        self.data_dir = data_dir
        self.contract_log = contract_log or CONTRACT_LOG
        self.api_key = api_key
        self.extra = extra or []
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.port = 0

    def start(self, port: int = 0) -> Emulator:
        cmd = [sys.executable, "-m", "qcli", "emulator", "start", "--port", str(port),
               "--data-dir", str(self.data_dir), "--api-key", self.api_key,
               "--oauth-client", f"{OAUTH_ID}:{OAUTH_SECRET}", *self.extra]
        env = base_env()
        if self.contract_log is not None:  # every exchange checked against the specs
            env.update(QCLI_EMULATOR_WRAP="contract.middleware:wrap",
                       QCLI_CONTRACT_LOG=str(self.contract_log))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.url = first_line(self.proc, "the emulator")
        if not self.url.startswith(("http://", "https://")):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"emulator failed: {self.url!r} {err}")
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    # -- the emulator's fixture API ------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any = None,
              headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {self.api_key}",
                                              **(headers or {})})
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """A JSON call to the tenant API with the API key, not through qcli (to read back what
        a command did, or to seed data); it is logged like any other request."""
        return self._call(method, path, body, {"Authorization": f"Bearer {self.api_key}"})

    def add_faults(self, *rules: dict[str, Any]) -> None:
        self._call("POST", "/__emulator/faults", list(rules))

    def clear_faults(self) -> None:
        self._call("DELETE", "/__emulator/faults")

    def download(self, path: str) -> bytes:
        """The body of a GET (with the API key), e.g. a temporary content's bytes."""
        req = urllib.request.Request(self.url + path,
                                     headers={"Authorization": f"Bearer {self.api_key}"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.read()  # type: ignore[no-any-return]

    def data_file_bytes(self, file_id: str) -> bytes:
        """What the emulator stores for a data file (the API itself has no download)."""
        return self.download(f"/__emulator/data-files/{file_id}/content")

    def _pages(self, path: str) -> list[dict[str, Any]]:
        """Every item of a listing, following links.next."""
        items: list[dict[str, Any]] = []
        while path:
            page = self.api("GET", path)
            items.extend(page["data"])
            href = ((page.get("links") or {}).get("next") or {}).get("href")
            path = href[len(self.url):] if href and href.startswith(self.url) else href
        return items

    def inventory(self) -> dict[str, set[str]]:
        """The IDs of the extensions, data files (in every reachable space) and data stores."""
        return {
            "extensions": {e["id"] for e in self.api("GET", "/api/v1/extensions")["data"]},
            "data-files": {f["id"] for f in self._pages(
                "/api/v1/data-files?includeAllSpaces=true&limit=100")},
            "data-stores": {s["id"] for s in self._pages("/api/v1/data-stores?limit=100")},
        }

    def remove_all_but(self, kept: dict[str, set[str]]) -> list[str]:
        """Delete what is not in `kept` (an earlier inventory); the problems met, if any."""
        import urllib.error

        problems: list[str] = []
        new = {kind: ids - kept.get(kind, set()) for kind, ids in self.inventory().items()}
        calls = [("DELETE", f"/api/v1/extensions/{i}", None) for i in sorted(new["extensions"])]
        calls += [("DELETE", f"/api/v1/data-files/{i}", None) for i in sorted(new["data-files"])]
        calls += [("DELETE", f"/api/v1/data-stores/{i}/data-assets", None)
                  for i in sorted(new["data-stores"])]
        if new["data-stores"]:
            calls.append(("DELETE", "/api/v1/data-stores", {"ids": sorted(new["data-stores"])}))
        for method, path, body in calls:
            for _ in range(100):  # 423 while a released request still finishes
                try:
                    self.api(method, path, body)
                except urllib.error.HTTPError as exc:
                    if exc.code == 423:
                        time.sleep(0.05)
                        continue
                    if exc.code not in (404, 410):
                        problems.append(f"{method} {path}: {exc.code}")
                break
            else:
                problems.append(f"{method} {path}: still locked")
        return problems

    def requests(self) -> list[dict[str, Any]]:
        return self._call("GET", "/__emulator/requests")["data"]  # type: ignore[no-any-return]

    def clear_requests(self) -> None:
        self._call("DELETE", "/__emulator/requests")

    def wait_for(self, match: Callable[[dict[str, Any]], bool], count: int = 1,
                 timeout: float = 30, alive: subprocess.Popen[Any] | None = None
                 ) -> list[dict[str, Any]]:
        """The logged requests that `match`, once there are `count` of them; fails after
        `timeout` seconds, or as soon as the process `alive` has ended."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.requests() if match(r)]
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, f"fewer than {count} such requests in {timeout} s"
            assert alive is None or alive.poll() is None, "qcli ended before the request came"
            time.sleep(0.02)


# -- the contract check: every emulator the suite starts logs each broken rule of the specs here;
# a test during which one was logged fails (in its teardown), and the session fails at the end
# if any is left. QCLI_CONTRACT=off runs without it.
CONTRACT_LOG: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    global CONTRACT_LOG
    if os.environ.get("QCLI_CONTRACT", "on") != "off":
        import tempfile

        fd, name = tempfile.mkstemp(prefix="qcli-contract-", suffix=".jsonl")
        os.close(fd)
        CONTRACT_LOG = Path(name)


def _contract_violations(start: int) -> tuple[int, list[str]]:
    if CONTRACT_LOG is None or not CONTRACT_LOG.exists():
        return start, []
    data = CONTRACT_LOG.read_bytes()
    end = data.rfind(b"\n", start) + 1 if data.rfind(b"\n", start) >= start else start
    lines = data[start:end].decode("utf-8", "replace").splitlines()
    return end, [json.loads(line)["violation"] for line in lines if line.strip()]


_contract_seen = 0


@pytest.fixture(autouse=True)
def contract_check() -> Any:
    """Fails the test during which an emulator broke the specs' contract."""
    global _contract_seen
    _contract_seen, _ = _contract_violations(_contract_seen)  # left by a test before: at the end
    yield
    _contract_seen, found = _contract_violations(_contract_seen)
    if found:
        pytest.fail("the emulator broke the API contract (tests/contract/quirks.py lists the only "
                    "excused spec faults):\n  " + "\n  ".join(found), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if CONTRACT_LOG is None:
        return
    _, found = _contract_violations(0)
    CONTRACT_LOG.unlink(missing_ok=True)
    if found:
        report = session.config.pluginmanager.get_plugin("terminalreporter")
        if report is not None:
            report.write_sep("=", f"{len(found)} API contract violations")
            for line in sorted(set(found)):
                report.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QCLI_") and k not in ("NO_COLOR", "PYTHON_KEYRING_BACKEND")}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(TESTS), str(TESTS.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    emu = Emulator(tmp_path_factory.mktemp("emulator")).start()
    yield emu
    emu.stop()


def module_emulator(name: str) -> tuple[Any, Any]:
    """Fixtures for a test module that wants an emulator of its own (the many files and
    extensions it makes stay out of the session emulator, whose lists other tests read page by
    page): `own_emulator, emu = module_emulator("sync")` at the top of the module."""

    @pytest.fixture(scope="module")
    def own_emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
        emulator = Emulator(tmp_path_factory.mktemp(f"{name}-emulator")).start()
        yield emulator
        emulator.stop()

    @pytest.fixture
    def emu(own_emulator: Emulator) -> Any:
        own_emulator.clear_faults()
        own_emulator.clear_requests()
        yield own_emulator
        own_emulator.clear_faults()

    return own_emulator, emu


@pytest.fixture
def emu(emulator: Emulator) -> Any:
    """The session emulator, with faults and the request log cleared around each test, and
    whatever the test made (extensions, data files, data stores) removed after it, passed or
    failed, so that no test sees what another left."""
    emulator.clear_faults()
    before = emulator.inventory()
    emulator.clear_requests()
    yield emulator
    emulator.clear_faults()  # and the holds under way end
    problems = emulator.remove_all_but(before)
    assert not problems, f"could not clean up after the test: {problems}"


class Qcli:
    """Runs `python -m qcli` in a subprocess with its own config, state and keyring."""

    def __init__(self, home: Path):
        self.home = home
        self.env = base_env()
        self.env.update({
            "HOME": str(home),
            "QCLI_CONFIG_DIR": str(home / "config"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_DATA_HOME": str(home / "data"),
            "PYTHON_KEYRING_BACKEND": "keyring_backend.FileKeyring",
            "QCLI_TEST_KEYRING_FILE": str(home / "keyring.json"),
        })

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
                 timeout: float = 60) -> Result:
        run_env = dict(self.env)
        run_env.update(env or {})
        proc = subprocess.run([sys.executable, "-m", "qcli", *args], input=input or "",
                              capture_output=True, text=True, env=run_env, timeout=timeout,
                              cwd=self.home)  # files a command writes by default land here
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def on_a_terminal(self, *args: str, env: dict[str, str] | None = None,
                      timeout: float = 120) -> tuple[int, str, bytes]:
        """Run qcli with stderr on a pty (stdout a pipe, read as it comes): exit code, what
        the terminal got, stdout."""
        import pty
        import select

        leader, follower = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "qcli", *args],
                                env=dict(self.env, **(env or {}), TERM="xterm", COLUMNS="160"),
                                stdout=subprocess.PIPE, stderr=follower,
                                stdin=subprocess.DEVNULL, cwd=self.home)
        os.close(follower)
        assert proc.stdout is not None
        seen, out = b"", b""
        open_fds = {leader, proc.stdout.fileno()}
        deadline = time.monotonic() + timeout
        while open_fds:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"qcli {' '.join(args)} still running after {timeout} s")
            ready, _, _ = select.select(list(open_fds), [], [], 0.1)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the pty's other end closed (EIO)
                    chunk = b""
                if not chunk:
                    open_fds.discard(fd)
                elif fd == leader:
                    seen += chunk
                else:
                    out += chunk
            if not ready and proc.poll() is not None and leader in open_fds:
                open_fds.discard(leader)  # exited; a pty may never say EOF
        proc.wait(10)
        proc.stdout.close()
        os.close(leader)
        return proc.returncode, seen.decode("utf-8", "replace"), out

    def after_extension_ls(self, emulator: Emulator, report: str) -> str:
        """Run `extension ls -o json` against `emulator` in a fresh Python through qcli.main,
        then evaluate `report` there (sys is imported): its text, printed to stderr."""
        code = ("import sys; from qcli.main import main; "
                "rc = main(['extension', 'ls', '-o', 'json']); "
                f"print({report}, file=sys.stderr); sys.exit(rc)")
        env = dict(self.env, QCLI_SERVER=emulator.url, QCLI_API_KEY=emulator.api_key)
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.startswith("["), proc.stderr
        return proc.stderr.strip()

    def login(self, emulator: Emulator, name: str = "emu") -> Result:
        result = self("context", "create", name, "--server", emulator.url, "--api-key-stdin",
                      input=emulator.api_key + "\n")
        assert result.code == 0, result.err
        return result


@pytest.fixture
def qcli(tmp_path: Path) -> Qcli:
    return Qcli(tmp_path)


def make_extension_dir(root: Path, name: str = "my-chart", title: str | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    qext = {"name": title or name.replace("-", " ").title(), "type": "visualization",
            "version": "1.2.3", "author": "tests"}
    (folder / f"{name}.qext").write_text(json.dumps(qext))
    (folder / f"{name}.js").write_text("define([], function () { return {}; });\n")
    (folder / "lib").mkdir(exist_ok=True)
    (folder / "lib" / "helper.js").write_text("// helper\n")
    return folder
