"""One repository per resource: the only places that hold SQL (the handlers hold none)."""

from qcli.emulator.repos.datafiles import DataFiles
from qcli.emulator.repos.documents import Documents
from qcli.emulator.repos.extensions import Extensions
from qcli.emulator.repos.tempcontents import TempContents

__all__ = ["DataFiles", "Documents", "Extensions", "TempContents"]
