"""Extension archives: load one to send (a .zip or a folder zipped on the fly), list what one
holds, and save a download under the name the server gives (Content-Disposition)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qcli.errors import QcliError

if TYPE_CHECKING:
    from qcli.app import Application
    from qcli.http.download import Download
    from qcli.transfer.archive import Archive


def load_archive(a: Application, source: str | None) -> Archive | None:
    """The archive to send: None without a source; '-' reads a zip from stdin."""
    if source is None:
        return None
    from qcli.transfer.archive import load_archive as load

    return load(source, a.io.in_binary())


def archive_entries(a: Application, extension_id: str) -> list[dict[str, Any]]:
    """The files inside an extension's archive (downloaded whole, read in memory)."""
    from qcli.transfer.archive import list_entries

    with a.extensions.download_extension(extension_id) as download:
        content = download.read()
    try:
        return list_entries(content)
    except Exception:  # zipfile raises several kinds for a bad archive
        raise QcliError(f"the archive of {extension_id} is not a valid zip file") from None


def download_archive(a: Application, extension_id: str, output_file: str | None) -> None:
    """The whole archive; the default name is the server's (or ID.zip)."""
    _check(output_file)
    with a.extensions.download_extension(extension_id) as download:
        save_download(a, download, output_file, f"{extension_id}.zip", f"extension {extension_id}")


def download_file(a: Application, extension_id: str, filepath: str,
                  output_file: str | None) -> None:
    """One file of the archive; the default name is its base name."""
    import posixpath

    _check(output_file)
    default = posixpath.basename(filepath.rstrip("/")) or "file"
    with a.extensions.download_extension_file(extension_id, filepath) as download:
        save_download(a, download, output_file, default, filepath)


def _check(output_file: str | None) -> None:
    from qcli.transfer.download import check_destination

    if output_file:
        check_destination(output_file)


def save_download(a: Application, download: Download, dest: str | None, default: str,
                  label: str) -> None:
    """Write a streamed answer to `dest`, else to the name in its Content-Disposition, else
    `default` (then exit 2 if that file exists); '-' is stdout."""
    from qcli.transfer.download import (
        check_default_destination,
        check_destination,
        default_name,
        save_response,
    )

    if dest:  # --output-file: replaced, as curl -o does
        target = dest
        check_destination(target)
    else:  # a name the server chose: an existing file is not replaced, nor a '.' name hidden
        target = default_name(download.filename or default)
        check_default_destination(target)
    size = save_response(download, target, a.io, label)
    if target != "-":
        a.say(f"Saved {target} ({size} bytes).")
