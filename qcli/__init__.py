"""qcli: a command-line client for Qlik Cloud tenants.

Keep this module free of heavy imports: `qcli --version` must answer before anything loads.
"""

__version__ = "0.1.0"


def _skip_httpx_cli() -> None:
    """httpx's __init__ imports its own CLI (click + rich, ~60 ms) whenever click is installed,
    as it is beside uvicorn. qcli never uses it, so that import gets a stub (cheap: no imports)."""
    import sys

    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stub = type(sys)("httpx._main")

    def main(*args: object, **kwargs: object) -> None:  # pragma: no cover - never called
        raise SystemExit("the httpx command-line client is not loaded inside qcli")

    stub.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stub


_skip_httpx_cli()
