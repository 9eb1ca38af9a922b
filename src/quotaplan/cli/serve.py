"""``quotaplan serve``: the web workbench and the REST API over a store, served by Uvicorn.

The session secret comes from ``QUOTAPLAN_SECRET`` (at least 16 characters; every process serving one
store must share it, or a restart signs everyone out), else a random one for this process.
"""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from quotaplan.cli.common import DbOpt, err, guarded, out
from quotaplan.errors import UsageError

SECRET_VAR = "QUOTAPLAN_SECRET"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _secret() -> bytes | None:
    value = os.environ.get(SECRET_VAR)
    if value is None:
        return None
    if len(value.encode("utf-8")) < 16:
        raise UsageError(f"{SECRET_VAR} is shorter than 16 characters: give a long random value "
                         "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
    return value.encode("utf-8")


def check_port(host: str, port: int) -> None:
    """Refuse a port that cannot be listened on before the store is opened (a usage error, exit 2)."""
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: give a port from 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UsageError(f"--host {host!r} is not an address of this machine") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}): another program uses it, "
                             "or the address is not this machine's; pass another --port or --host") from None


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine "
                                                      "only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web workbench and the REST API (/api/v1) over the store until interrupted."""
    import uvicorn

    from quotaplan.store.db import resolve_url, safe_url
    from quotaplan.web import create_app

    def run() -> None:
        url = resolve_url(db)
        secret = _secret()
        check_port(host, port)
        app = create_app(url, secret=secret)
        out.print(f"quotaplan workbench on {url_of(host, port)} (API: {url_of(host, port)}api/v1/, "
                  f"store {safe_url(url)}). Ctrl+C stops it.", markup=False)
        if secret is None:
            out.print(f"Sessions end when this process does (set {SECRET_VAR} to keep them).", markup=False)
        if host not in LOOPBACK:
            err.print(f"note: serving on {host} over plain HTTP; put it behind an HTTPS proxy before "
                      "anyone signs in from another machine", markup=False)
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True,
                    server_header=False)

    guarded(run)
