"""A local Qlik Cloud tenant (Starlette + uvicorn) for trying qcli offline and for tests.

It never imports qcli's CLI; the CLI imports it only for `qcli emulator start`.
"""
