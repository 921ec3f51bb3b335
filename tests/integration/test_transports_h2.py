"""The buildkitd transports on our own HTTP/2 client against the real builder: ``unix://`` (a plain relay
to dockerd's ``/grpc``) and ``tcp://`` + mTLS (the test TLS front), a 48 MB context through the
``Control.Session`` tunnel, checked byte for byte in the build; grpc is never imported on that path,
and ``DEPOTCI_CONTROL_CLIENT=grpcio`` still builds (importing it)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import depot_env, unique
from tls_relay import CertSet, TLSRelay, docker_engine, make_certs

pytestmark = pytest.mark.integration

DOCKERFILE = """\
FROM scratch
COPY busybox /bin/busybox
COPY big.bin /in/big.bin
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox sha256sum /in/big.bin | /bin/busybox cut -d' ' -f1 > /sum.txt"]
"""

# main() in-process, then report whether grpc was imported (entry() would os._exit before any atexit)
_WRAPPER = """\
import os, sys
from depotci.core.cli.main import main
code = main(sys.argv[1:])
with open(os.environ["DEPOTCI_TEST_MODULES_OUT"], "w") as f:
    f.write("grpc" if "grpc" in sys.modules else "no grpc")
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
"""


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertSet:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def hosts(builder_env: dict[str, str], certs: CertSet) -> Iterator[dict[str, str]]:
    from depotci.core.buildkit.bridge import UnixRelay

    engine = docker_engine(builder_env)
    tls = TLSRelay(lambda: engine.upgrade("/grpc"), certs)
    unix = UnixRelay(lambda: engine.upgrade("/grpc"), name="buildkitd")
    query = f"cacert={certs.ca}&cert={certs.client_cert}&key={certs.client_key}&servername={certs.server_name}"
    yield {"unix": f"unix://{unix.path}", "mtls": f"tcp://127.0.0.1:{tls.port}?{query}"}
    tls.close()
    unix.close()


@pytest.mark.parametrize(("transport", "client"), [("unix", "h2"), ("mtls", "h2"), ("mtls", "grpcio")])
def test_big_context_through_the_session_tunnel(  # type: ignore[no-untyped-def]
    builder_env: dict[str, str], hosts: dict[str, str], make_context, tmp_path: Path, transport: str, client: str
) -> None:
    big = os.urandom(48 << 20) + unique().encode()  # unique: no cache hit from an earlier run
    ctx = make_context({"Dockerfile": DOCKERFILE, "big.bin": big})
    dest, modules = tmp_path / "out", tmp_path / "modules.txt"
    env = depot_env(builder_env, DEPOTCI_BUILDER_DIR="/nonexistent", DEPOTCI_CONTROL_CLIENT=client,
                    DEPOTCI_TEST_MODULES_OUT=str(modules))
    env.pop("DOCKER_HOST", None)
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "build", "--progress=plain", "--network", "none",
         "--buildkit-host", hosts[transport], "--output", f"type=local,dest={dest}", str(ctx)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "remote driver (" in out.stderr  # a buildkitd endpoint, not the engine
    assert (dest / "sum.txt").read_text().strip() == hashlib.sha256(big).hexdigest()
    assert modules.read_text() == ("grpc" if client == "grpcio" else "no grpc")
