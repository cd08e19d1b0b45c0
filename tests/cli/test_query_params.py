"""#11 item 1: qcli never sends a query parameter the user did not set (no `name=` for an
option not given), whatever the command or API method."""

from __future__ import annotations

from urllib.parse import parse_qsl

from conftest import API_KEY, Emulator, Qcli

from qcli.config.settings import Connection
from qcli.http.client import HttpClient


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


def _empty_values(emu: Emulator) -> list[str]:
    return [f"{r['method']} {r['path']}?{r['query']}" for r in emu.requests()
            if any(v == "" for _, v in parse_qsl(r["query"], keep_blank_values=True))]


def test_the_http_client_sends_no_parameter_whose_value_is_none(emu: Emulator) -> None:
    conn = Connection(server=emu.url, auth="api-key", api_key=emu.api_key)
    with HttpClient(conn) as http:
        http.json("GET", "/api/v1/data-stores", params={"projections": None, "sort": None,
                                                        "limit": 5})
        list(http.paginate("/api/v1/data-files", {"name": None, "sort": None}, limit=1))
    queries = [r["query"] for r in emu.requests()]
    assert queries == ["limit=5", "limit=1"]


def test_no_command_sends_an_option_that_was_not_given(qcli: Qcli, emu: Emulator) -> None:
    made = qcli("data-store", "create", "--type", "qix-datafiles", "--technical-name",
                "t_params", "--json", env=_env(emu))
    assert made.code == 0, made.err
    store = made.json()["id"]
    try:
        emu.clear_requests()
        commands = [
            ["data-store", "get", store], ["data-store", "update", store, "--name", "N"],
            ["data-store", "ls"], ["data-store", "data-asset", "ls", "*"],
            ["data-store", "data-set", "ls", "*", "*"], ["data-file", "ls"],
            ["data-file", "connection", "ls"], ["data-file", "quotas"], ["extension", "ls"],
        ]
        for args in commands:
            result = qcli(*args, "--json", env=_env(emu))
            assert result.code == 0, (args, result.err)
        gets = [r for r in emu.requests() if r["path"] == f"/api/v1/data-stores/{store}"]
        assert gets and all(r["query"] == "" for r in gets)  # get, and the GET before the PUT
        assert _empty_values(emu) == []
    finally:
        qcli("data-store", "rm", store, "--yes", env=_env(emu))


def test_each_data_file_ls_filter_is_sent_as_its_parameter(qcli: Qcli, emu: Emulator) -> None:
    """The filters are one declared structure (cli.data_file.FileFilters): each flag is sent as
    its camelCase parameter; a switch only when on; --no-internal-files as false."""
    connection = qcli("data-file", "connection", "ls", "--json", env=_env(emu)).json()[0]["id"]
    folder = qcli("data-file", "create", "--folder", "--name", "q2024", "--json", env=_env(emu))
    assert folder.code == 0, folder.err
    emu.clear_requests()
    every = qcli("data-file", "ls", "--connection-id", connection, "--app-id", "a1", "--name", "n.csv",
                 "--owner-id", "o1", "--allow-internal-files", "--base-name-wildcard", "n*",
                 "--folder-path", "q2024", "--exclude-sub-folders", "--include-folders",
                 "--exclude-files", "--include-folder-stats", "--not-owner-id", "o2",
                 "--include-all-spaces", "--sort", "-size", "--page-size", "7", "--json",
                 env=_env(emu))
    assert every.code == 0, every.err
    off = qcli("data-file", "ls", "--no-internal-files", "--folder-id", folder.json()["id"],
               "--json", env=_env(emu))
    assert off.code == 0, off.err
    sent = [dict(parse_qsl(r["query"])) for r in emu.requests()
            if r["path"] == "/api/v1/data-files"]
    assert sent == [
        {"connectionId": connection, "appId": "a1", "name": "n.csv", "ownerId": "o1",
         "allowInternalFiles": "true", "baseNameWildcard": "n*", "folderPath": "q2024",
         "excludeSubFolders": "true", "includeFolders": "true", "excludeFiles": "true",
         "includeFolderStats": "true", "notOwnerId": "o2", "includeAllSpaces": "true",
         "sort": "-size", "limit": "7"},
        {"allowInternalFiles": "false", "folderId": folder.json()["id"], "limit": "1000"}]
