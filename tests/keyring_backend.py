"""A keyring backend of the tests' own (PYTHON_KEYRING_BACKEND=keyring_backend.FileKeyring):
a JSON file named by QCLI_TEST_KEYRING_FILE, so that subprocesses share it."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["QCLI_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self._path.read_text())  # type: ignore[no-any-return]
        except FileNotFoundError:
            return {}

    def _save(self, data: dict[str, str]) -> None:
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self._path)  # readers see the old file or the new one

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._path.with_name(self._path.name + ".lock"), "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._locked():
            data = self._load()
            data[f"{service}/{username}"] = password
            self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._locked():
            data = self._load()
            if f"{service}/{username}" not in data:
                raise PasswordDeleteError("not found")
            del data[f"{service}/{username}"]
            self._save(data)
