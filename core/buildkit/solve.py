"""Run one Solve on a connection while streaming its Status to a callback."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any

from depotci.core._gen.moby.buildkit.v1 import control_pb2
from depotci.core.buildkit.connection import Connection
from depotci.core.buildkit.rpc_status import code_name, rpc_errors
from depotci.core.buildkit.solve_errors import SolveErrorInfo, is_builder_gone, parse_solve_error
from depotci.core.errors import BuilderError

__all__ = ["SolveFailed", "new_ref", "run_solve"]


class SolveFailed(Exception):
    """The daemon answered the Solve with an error; ``info`` holds what it said."""

    def __init__(self, info: SolveErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info


def new_ref() -> str:
    return secrets.token_hex(13)


def run_solve(
    conn: Connection,
    request: control_pb2.SolveRequest,
    on_status: Callable[[Any], None],
) -> dict[str, str]:
    """Solve ``request`` (its ``Ref`` must be set) and return the exporter response.

    Raises SolveFailed when the build fails and BuilderError when the builder goes away.
    """
    status_done = threading.Event()
    status_error: list[BaseException] = []
    status_call = conn.control.Status(control_pb2.StatusRequest(Ref=request.Ref))

    def pump() -> None:
        try:
            for msg in status_call:
                on_status(msg)
        except rpc_errors() as exc:
            if code_name(exc) != "CANCELLED":
                status_error.append(exc)
        except BaseException as exc:  # noqa: BLE001 - reported after the solve
            status_error.append(exc)
        finally:
            status_done.set()

    thread = threading.Thread(target=pump, name="status", daemon=True)
    thread.start()
    try:
        response = conn.control.Solve(request)
    except rpc_errors() as exc:
        gone = is_builder_gone(exc, conn.endpoint.describe())
        status_done.wait(2.0)
        status_call.cancel()
        if gone is not None:
            raise gone from None
        raise SolveFailed(parse_solve_error(exc)) from None
    # the daemon closes the status stream once the job is done; don't wait forever for it
    status_done.wait(10.0)
    status_call.cancel()
    for problem in status_error:
        if not isinstance(problem, rpc_errors()):
            raise BuilderError(f"progress stream failed: {problem}") from problem
    return dict(response.ExporterResponse)
