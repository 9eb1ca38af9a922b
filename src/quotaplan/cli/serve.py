"""``quotaplan serve``: the web workbench and the REST API over a store, served by Uvicorn; and what
``quotaplan demo`` serves: the demo plan in a fresh store with a planner, a manager and a seller.

The session secret comes from ``QUOTAPLAN_SECRET`` (at least 16 characters; every process serving one
store must share it, or a restart signs everyone out), else a random one for this process.

``--workers N`` runs N Uvicorn worker processes over the one store: each builds its own app from the
environment (:func:`worker_app`: the store's URL and the secret, which the parent draws once when
``QUOTAPLAN_SECRET`` is not set, so a session signed by one worker is good at every other). Workers
keep nothing of their own but caches keyed by (plan, scenario, seq): every request reads the
scenario's head from the store, so a change made through one worker is what the next request to any
other sees.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from quotaplan.cli.common import DbOpt, err, guarded, out
from quotaplan.errors import UsageError

if TYPE_CHECKING:
    from fastapi import FastAPI

SECRET_VAR = "QUOTAPLAN_SECRET"
DB_VAR = "QUOTAPLAN_DB"
MAX_WORKERS = 64
DEMO_PLAN = "demo"
#: The demo's users: (name, role, node, seller id, what they see). The first one added is the admin.
DEMO_USERS = (
    ("planner", "planner", None, None, "every figure of the plan; adjusts quotas"),
    ("manager", "manager", "RG1", "M02", "North America (RG1) and its sellers; never their own quota"),
    ("seller", "seller", None, "S01", "their own quota (S01) and nothing else"),
)
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


def worker_app() -> FastAPI:
    """What each worker process of ``serve --workers N`` serves: the app over the store named by
    ``QUOTAPLAN_DB``, sessions signed with ``QUOTAPLAN_SECRET`` (both set by the parent)."""
    from quotaplan.web import create_app

    return create_app(os.environ[DB_VAR], secret=_secret())


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as conn:
            conn.sendall(b"GET /login HTTP/1.0\r\nHost: quotaplan\r\n\r\n")
            return conn.recv(12).startswith(b"HTTP/")
    except OSError:
        return False


def run_workers(url: str, host: str, port: int, workers: int, ready: str) -> None:
    """Serve with ``workers`` processes until Ctrl+C (see the module), printing ``ready`` as soon as
    one answers."""
    import uvicorn

    os.environ[DB_VAR] = url
    os.environ.setdefault(SECRET_VAR, secrets.token_hex(32))
    stopped = threading.Event()

    def announce() -> None:
        while not stopped.is_set():
            if _answers(host, port):
                out.print(ready, markup=False)
                return
            time.sleep(0.1)

    threading.Thread(target=announce, daemon=True).start()
    try:
        uvicorn.run("quotaplan.cli.serve:worker_app", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", proxy_headers=True, server_header=False)
    finally:
        stopped.set()


def run_until_interrupted(app: FastAPI, host: str, port: int, ready: str) -> None:
    """Serve ``app`` until Ctrl+C, printing ``ready`` as soon as the server answers."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           proxy_headers=True, server_header=False))

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            out.print(ready, markup=False)

    threading.Thread(target=announce, daemon=True).start()
    server.run()


def demo_store(folder: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """A fresh SQLite store in ``folder`` with the demo plan loaded as ``demo`` and its users:
    returns the URL and (name, password, what they see) per user."""
    from quotaplan.demo import demo_plan_path
    from quotaplan.store import users
    from quotaplan.store.db import open_store, upgrade
    from quotaplan.workspace import Workspace

    url = f"sqlite:///{folder / 'quotaplan.db'}"
    upgrade(url)
    store = open_store(url)
    try:
        passwords = {name: secrets.token_urlsafe(9) for name, *_ in DEMO_USERS}
        with store.write() as conn:
            for name, *_ in DEMO_USERS:
                users.add_user(conn, name, passwords[name], actor=name)
        Workspace(url, as_user=DEMO_USERS[0][0], store=store).load(demo_plan_path(), DEMO_PLAN)
        with store.write() as conn:
            for name, role, node, seller, _sees in DEMO_USERS:
                users.grant(conn, name, role, plan=DEMO_PLAN, node=node, seller=seller,
                            actor=DEMO_USERS[0][0])
    finally:
        store.close()
    return url, [(name, passwords[name], sees) for name, *_, sees in DEMO_USERS]


def _stop(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def serve_demo(host: str, port: int) -> None:
    """``quotaplan demo``: load the demo plan into a fresh store, add its users, serve it until
    interrupted (the store lives in a temporary folder, removed when the demo stops)."""
    from quotaplan.web import create_app

    check_port(host, port)
    if threading.current_thread() is threading.main_thread():
        # stopped with SIGTERM too, the temporary store is removed (as after Ctrl+C)
        signal.signal(signal.SIGTERM, _stop)
    with tempfile.TemporaryDirectory(prefix="quotaplan-demo-") as folder:
        url, people = demo_store(Path(folder))
        app = create_app(url, secret=_secret())
        out.print("The demo plan is loaded into a fresh store. Sign in as:", markup=False)
        for name, password, sees in people:
            out.print(f"  {name:<8} password {password:<14} sees {sees}", markup=False)
        out.print("The demo store is temporary: it is removed when you stop the demo (Ctrl+C).",
                  markup=False)
        run_until_interrupted(app, host, port, f"Open {url_of(host, port)} (the demo answers now).")


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine "
                                                      "only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes over the one store "
                                                            "(they share QUOTAPLAN_SECRET).")] = 1,
) -> None:
    """Serve the web workbench and the REST API (/api/v1) over the store until interrupted."""
    from quotaplan.store.db import resolve_url, safe_url
    from quotaplan.web import create_app

    def run() -> None:
        url = resolve_url(db)
        secret = _secret()
        if not 1 <= workers <= MAX_WORKERS:
            raise UsageError(f"--workers {workers}: give a number of processes from 1 to {MAX_WORKERS}")
        check_port(host, port)
        app = create_app(url, secret=secret)  # the store is checked before anything is served
        processes = f", {workers} worker processes" if workers > 1 else ""
        out.print(f"quotaplan workbench on {url_of(host, port)} (API: {url_of(host, port)}api/v1/, "
                  f"store {safe_url(url)}{processes}). Ctrl+C stops it.", markup=False)
        if secret is None:
            what = "this process does" if workers == 1 else "the server stops"
            out.print(f"Sessions end when {what} (set {SECRET_VAR} to keep them).", markup=False)
        if host not in LOOPBACK:
            err.print(f"note: serving on {host} over plain HTTP; put it behind an HTTPS proxy before "
                      "anyone signs in from another machine", markup=False)
        if workers > 1:
            app.state.store.close()
            run_workers(url, host, port, workers, f"Serving on {url_of(host, port)}")
        else:
            run_until_interrupted(app, host, port, f"Serving on {url_of(host, port)}")

    guarded(run)
