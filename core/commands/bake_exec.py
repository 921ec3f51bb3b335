"""The concurrent part of ``depot bake``: one thread per target, all on one connection and one printer.

A target others use through ``target:`` contexts is built through the frontend gateway
(``bake_gateway``): its ``Control.Solve`` waits for the client, the frontend runs through
``LLBBridge.Solve``, the returned definitions are handed to the dependents as ``FrontendInputs`` (they can
start at once, sharing the dependency's steps), then ``LLBBridge.Return`` lets the dependency export.
Every other target is one plain ``Control.Solve``, as in ``depot build``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from depotci.core.buildkit.connection import Connection
from depotci.core.buildkit.progress import (
    Printer,
    make_printer,
    render_warnings,
    solve_status_from_proto,
    with_prefix,
)
from depotci.core.buildkit.rpc_status import rpc_errors
from depotci.core.buildkit.session.auth import AuthService, Credentials, RegistryAuth
from depotci.core.buildkit.session.filesend import FileSendService
from depotci.core.buildkit.session.filesync import FileSyncService, TransferStats
from depotci.core.buildkit.session.secrets_provider import SecretsService
from depotci.core.buildkit.session.server import SessionServer
from depotci.core.buildkit.session.ssh import SSHService
from depotci.core.buildkit.solve import SolveFailed, new_ref, run_solve
from depotci.core.buildkit.solve_errors import SolveErrorInfo, is_builder_gone, parse_solve_error
from depotci.core.commands.bake_gateway import GatewayResult, bridge_return, bridge_solve
from depotci.core.commands.bake_report import TargetFailure, failed_vertex, target_metadata
from depotci.core.commands.bake_targets import (
    SessionNeeds,
    TargetSolve,
    dependency_inputs,
    remap_status,
    session_vertices,
)
from depotci.core.commands.build import BuildResult
from depotci.core.commands.build_solve import build_failure, build_request
from depotci.core.commands.local_cache import content_service, finish_local_caches
from depotci.core.errors import BuildFailed, DepotError

__all__ = ["BakeRun", "bake_printer", "target_result", "ticking"]

_JOIN_STEP = 0.2


class _Failed(Exception):
    def __init__(self, failure: TargetFailure) -> None:
        super().__init__(failure.error.message)
        self.failure = failure


def bake_printer(progress: str, stderr: TextIO, env: Mapping[str, str], description: str) -> Printer:
    """The one progress printer of a bake (bake never turns ``auto`` into ``plain`` in CI)."""
    return make_printer(
        progress, stderr, env=env, description=description, console_description="docker:default", ci_plain=False
    )


@contextmanager
def ticking(printer: Printer) -> Iterator[Printer]:
    """Redraw ``printer`` every 50 ms meanwhile; close it on exit."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.05):
            printer.refresh()

    ticker = threading.Thread(target=tick, name="progress", daemon=True)
    ticker.start()
    try:
        yield printer
    finally:
        stop.set()
        printer.close()


class BakeRun:
    """Sessions, the printer, and the per-target threads of one bake on one connection.

    ``printer`` shares a printer with other runs (a bake through the Depot API runs one BakeRun per
    project build); it is then the caller's to tick and close. ``multi`` (default: more than one target
    here) marks progress lines with the target name.
    """

    def __init__(
        self,
        conn: Connection,
        solves: Mapping[str, TargetSolve],
        env: Mapping[str, str],
        *,
        stderr: TextIO,
        progress: str,
        description: str,
        printer: Printer | None = None,
        multi: bool | None = None,
        registry_hosts: Mapping[str, Credentials] | None = None,
    ) -> None:
        self.conn = conn
        self.solves = dict(solves)
        self.env = env
        self.registry_hosts = dict(registry_hosts or {})  # credentials that win for their hosts (--save)
        self.stderr = stderr
        self.multi = len(self.solves) > 1 if multi is None else multi
        self.printer = printer or bake_printer(progress, stderr, env, description)
        self.sessions: dict[str, SessionServer] = {}
        self.stats: dict[str, TransferStats] = {}
        self._servers: list[SessionServer] = []
        self.ready = {name: threading.Event() for name in self.solves}
        self.gateway: dict[str, GatewayResult | None] = {}
        self.results: dict[str, BuildResult] = {}
        self.failures: dict[str, TargetFailure] = {}
        self._crashes: list[BaseException] = []
        self._lock = threading.Lock()

    def add_session(self, needs: SessionNeeds, names: list[str], key: str) -> None:
        """Serve ``needs`` on a new session for the targets ``names`` and attach it to the daemon."""
        stats = TransferStats()
        services: list[Any] = [
            FileSyncService(needs.dirs, stats),
            AuthService(RegistryAuth.from_environment(self.env, self.registry_hosts)),
            SecretsService(needs.secrets),
            SSHService(needs.agents),
            FileSendService(needs.outputs),
        ]
        content = content_service(self.solves[name].plan for name in names)
        if content is not None:
            services.append(content)
        server = SessionServer(services, shared_key=key)
        self._servers.append(server)
        self.conn.attach_session(server)
        for name in names:
            self.sessions[name] = server
            self.stats[name] = stats

    def run(self) -> None:
        """Run every target to its end (success or failure) with progress drawn meanwhile, then the
        build warnings; re-raises an unexpected crash of a target thread."""
        with ticking(self.printer):
            self.run_targets()
        self.stderr.write(render_warnings(self.printer.warnings(), mode=self.printer.mode))
        self.raise_crash()

    def run_targets(self) -> None:
        """Run every target to its end on its own thread (nothing drawn or raised here)."""
        threads = [threading.Thread(target=self._run, args=(n,), name=f"bake-{n}", daemon=True) for n in self.solves]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(_JOIN_STEP)

    def raise_crash(self) -> None:
        """Re-raise the first unexpected exception of a target thread, if any."""
        if self._crashes:
            raise self._crashes[0]

    def close(self) -> None:
        """Close every session (idempotent)."""
        for server in self._servers:
            server.close()
        self._servers.clear()

    def _run(self, name: str) -> None:
        try:
            ref, response = self._build(self.solves[name])
            finish_local_caches(self.solves[name].plan, response)
            with self._lock:
                self.results[name] = target_result(self.solves[name], response, ref, self.stats[name].dirs)
        except _Failed as exc:
            with self._lock:
                self.failures[name] = exc.failure
        except DepotError as exc:
            with self._lock:
                self.failures[name] = TargetFailure(exc)
        except BaseException as exc:  # noqa: BLE001 - re-raised by run() once every thread is done
            with self._lock:
                self._crashes.append(exc)
        finally:
            self.ready[name].set()  # never leave a dependent waiting

    def _status(self, ts: TargetSolve) -> Callable[[Any], None]:
        prefix = ts.name if self.multi else ""
        session = self.sessions[ts.name]
        shared = sum(1 for s in self.sessions.values() if s is session) > 1
        digests = (
            session_vertices(session.uuid, ts.name, len(ts.plan.exporters), len(ts.plan.cache_exports)) if shared else {}
        )
        return lambda msg: self.printer.update(with_prefix(remap_status(solve_status_from_proto(msg), digests), prefix))

    def _failure(self, ts: TargetSolve, info: SolveErrorInfo) -> _Failed:
        vertex = failed_vertex(self.printer, info, ts.name if self.multi else "")
        error = build_failure(info, self.printer, ts.user_dirs(), ts.attrs, failed=vertex)
        return _Failed(TargetFailure(error, info))

    def _build(self, ts: TargetSolve) -> tuple[str, dict[str, str]]:
        attrs = dict(ts.attrs)
        inputs: dict[str, bytes] = {}
        for context, dep in ts.build.target_contexts:
            self.ready[dep].wait()
            result = self.gateway.get(dep)
            if result is None:
                raise BuildFailed(f'target "{dep}", used as context "{context}", failed')
            extra_attrs, extra_inputs = dependency_inputs(context, dep, result.definitions, result.metadata)
            attrs.update(extra_attrs)
            inputs.update(extra_inputs)
        ref = new_ref()
        request = build_request(ts.plan, attrs, ref, self.sessions[ts.name].uuid)
        status = self._status(ts)
        if ts.gateway:
            return ref, self._gateway_solve(ts, request, attrs, inputs, status)
        for key, data in inputs.items():
            request.FrontendInputs[key].MergeFromString(data)
        try:
            return ref, run_solve(self.conn, request, status)
        except SolveFailed as exc:
            raise self._failure(ts, exc.info) from None

    def _gateway_solve(
        self, ts: TargetSolve, request: Any, attrs: dict[str, str], inputs: dict[str, bytes], status: Callable[[Any], None]
    ) -> dict[str, str]:
        request.Frontend = ""  # a client-driven build: the daemon waits for LLBBridge.Return
        box: dict[str, Any] = {}

        def control() -> None:
            try:
                box["response"] = run_solve(self.conn, request, status)
            except BaseException as exc:  # noqa: BLE001 - examined below
                box["error"] = exc

        thread = threading.Thread(target=control, name=f"bake-{ts.name}-control", daemon=True)
        thread.start()
        try:
            result = bridge_solve(self.conn, request.Ref, ts.plan.frontend, attrs, inputs)
        except rpc_errors() as exc:
            self.gateway[ts.name] = None
            self.ready[ts.name].set()
            gone = is_builder_gone(exc, self.conn.endpoint.describe())
            info = parse_solve_error(exc)
            try:
                bridge_return(self.conn, request.Ref, error=info.message or "frontend failed")
            except rpc_errors():
                pass
            thread.join(30)
            if gone is not None:
                raise gone from None
            raise self._failure(ts, info) from None
        self.gateway[ts.name] = result
        self.ready[ts.name].set()
        try:
            bridge_return(self.conn, request.Ref, result)
        except rpc_errors() as exc:
            thread.join(30)
            raise self._failure(ts, parse_solve_error(exc)) from None
        while thread.is_alive():
            thread.join(_JOIN_STEP)
        error = box.get("error")
        if isinstance(error, SolveFailed):
            raise self._failure(ts, error.info) from None
        if error is not None:
            raise error
        response: dict[str, str] = box["response"]
        return response


def target_result(ts: TargetSolve, response: Mapping[str, str], ref: str, sent: Mapping[str, int]) -> BuildResult:
    """A finished target's ``BuildResult`` (``sent``: bytes the daemon pulled per session dir)."""
    dirs = {name: sent[name] for name in ts.needs.dirs if name in sent}
    return BuildResult(
        metadata=target_metadata(ts.plan, response, ref),
        exporter_response=dict(response),
        ref=ref,
        bytes_sent=sum(dirs.values()),
        dirs_sent=dirs,
    )

