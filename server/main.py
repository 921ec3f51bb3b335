"""The ``depot-server`` console script.

    depot-server serve --data-dir DIR --listen HOST:PORT --gateway-listen HOST:PORT \\
        --builder amd64=docker://unix:///tmp/depotci-builder/docker.sock[,capacity=N] [--public-url URL]
    depot-server project create NAME --data-dir DIR [--id ID]      prints the project id
    depot-server token create --data-dir DIR [--project ID] [--ttl SECONDS]   prints a new token (once)
    depot-server trust add|list|remove ...   OIDC trust policies; depot-server login approve ID
    (see depotci.server.admin_accounts)
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Sequence

__all__ = ["main", "serve"]

log = logging.getLogger("depotci.server")


def _store(data_dir: str):  # type: ignore[no-untyped-def]
    from depotci.server.store import Store

    os.makedirs(data_dir, mode=0o700, exist_ok=True)
    return Store(os.path.join(data_dir, "depot.db"))


async def serve(settings: object) -> None:
    """Run the API, the gateway and the health watchdog until SIGTERM/SIGINT."""
    from depotci.server.accounts import build_accounts
    from depotci.server.build_service import BuildService
    from depotci.server.certs import CA
    from depotci.server.connect_app import ConnectApp
    from depotci.server.gateway import Gateway
    from depotci.server.pool import Pool
    from depotci.server.pull_service import PullService
    from depotci.server.settings import Settings, split_host_port
    from hypercorn.asyncio import serve as hyper_serve
    from hypercorn.config import Config

    assert isinstance(settings, Settings)
    store = _store(settings.data_dir)
    failed = store.fail_running("the server restarted while the build was running")
    if failed:
        log.warning("failed %d build(s) left running by the previous server process", failed)
    store.ensure_org()
    ca = CA(settings.data_dir)
    pool = Pool(settings.builders)
    ghost, gport = split_host_port(settings.gateway_listen, "--gateway-listen")

    def route(build_id: str, platform: str):  # type: ignore[no-untyped-def]
        build = store.get_build(build_id)
        if build is None or build.status != "running":
            return None
        return pool.lease(build_id, platform)

    gateway = Gateway(ca, settings.server_name, [ghost], route)
    bound = await gateway.start(ghost, gport)
    accounts = build_accounts(settings, store)
    service = BuildService(settings, store, accounts.auth, pool, ca, gateway, bound)
    pulls = PullService(settings, store, accounts.auth)
    app = ConnectApp({**service.methods(), **pulls.methods(), **accounts.methods}, accounts.routes)
    config = Config()
    config.bind = [settings.listen]
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.keep_alive_timeout = 75
    config.h2_max_concurrent_streams = 1000
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def watchdog() -> None:
        while not stop.is_set():
            service.sweep()
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                pass

    sweeper = asyncio.create_task(watchdog())
    print(f"depot-server: API on {settings.base_url} (h2c and HTTP/1.1), gateway on {ghost}:{bound}", flush=True)
    if store.token_count() == 0:
        print(
            f"depot-server: no API tokens yet; create one with: depot-server token create --data-dir {settings.data_dir}",
            flush=True,
        )
    try:
        await hyper_serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
    finally:
        stop.set()
        await sweeper
        await gateway.close()
        store.close()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="depot-server", description="self-hosted Depot-API-compatible build server")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the API server and the builder gateway")
    s.add_argument("--data-dir", required=True)
    s.add_argument("--listen", default="127.0.0.1:8080", help="API address HOST:PORT (h2c and HTTP/1.1)")
    s.add_argument("--gateway-listen", default="127.0.0.1:8443", help="mTLS gateway address HOST:PORT")
    s.add_argument("--public-url", default="", help="base URL for build links (default http://LISTEN)")
    s.add_argument("--server-name", default="depotci-gateway", help="TLS name of the gateway")
    s.add_argument("--builder", action="append", default=[], help="ARCH=ENDPOINT[,capacity=N], repeatable")
    s.add_argument("--health-timeout", type=float, default=30.0, help="cancel builds silent this long (s)")
    s.add_argument("--build-token-ttl", type=float, default=6 * 3600.0, help="lifetime of build tokens (s)")
    s.add_argument("--oidc-issuer", action="append", default=[], metavar="PROVIDER=URL[,jwks=URL]",
                   help="trust CI OIDC tokens of this issuer (repeatable; default GitHub, GitLab.com, Buildkite)")
    s.add_argument("--oidc-audience", default="https://depot.dev", help="the audience OIDC tokens must name")
    s.add_argument("--registry", default="", metavar="HOST[:PORT]",
                   help="registry for saved images (--save); default none: saving is refused")
    s.add_argument("--oidc-token-ttl", type=float, default=3600.0, help="lifetime of tokens from the OIDC exchange (s)")
    pr = sub.add_parser("project", help="manage projects").add_subparsers(dest="action", required=True)
    pc = pr.add_parser("create", help="create a project and print its id")
    pc.add_argument("name")
    pc.add_argument("--data-dir", required=True)
    pc.add_argument("--id", default="", help="the project id (default: random)")
    tk = sub.add_parser("token", help="manage API tokens").add_subparsers(dest="action", required=True)
    tc = tk.add_parser("create", help="create an org token (or a project token with --project) and print it")
    tc.add_argument("--data-dir", required=True)
    tc.add_argument("--project", default="", help="scope the token to one project")
    tc.add_argument("--ttl", type=float, default=0.0, help="expire after this many seconds (default: never)")
    tc.add_argument("--description", default="")
    from depotci.server.admin_accounts import register

    register(sub)
    return p


def run(argv: Sequence[str]) -> int:
    from depotci.server.oidc import parse_issuer
    from depotci.server.saved_images import parse_registry
    from depotci.server.settings import Settings, parse_builder

    args = _parser().parse_args(list(argv))
    if args.command == "serve":
        builders = tuple(parse_builder(b, i) for i, b in enumerate(args.builder))
        for issuer in args.oidc_issuer:
            parse_issuer(issuer)  # refuse a malformed value before starting
        settings = Settings(
            data_dir=os.path.abspath(args.data_dir), listen=args.listen, gateway_listen=args.gateway_listen,
            public_url=args.public_url, server_name=args.server_name, builders=builders,
            health_timeout=args.health_timeout, build_token_ttl=args.build_token_ttl,
            oidc_audience=args.oidc_audience, oidc_token_ttl=args.oidc_token_ttl, registry=parse_registry(args.registry),
        )
        if args.oidc_issuer:
            settings = dataclasses.replace(settings, oidc_issuers=tuple(args.oidc_issuer))
        if not builders:
            log.warning("no --builder given: every GetBuildKitConnection will fail")
        asyncio.run(serve(settings))
        return 0
    store = _store(args.data_dir)
    try:
        org = store.ensure_org()
        if args.command in ("trust", "login"):
            from depotci.server.admin_accounts import run as run_accounts

            return run_accounts(args, store, org)
        if args.command == "project":
            print(store.create_project(org, args.name, args.id).id)
            return 0
        if args.project and store.get_project(args.project) is None:
            print(f"error: project '{args.project}' not found", file=sys.stderr)
            return 1
        kind = "project" if args.project else "org"
        print(store.create_token(kind, org, project_id=args.project or None, ttl=args.ttl or None, description=args.description))
        return 0
    finally:
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``depot-server``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
