"""TLS for our HTTP/2 client: the client context from an endpoint's mTLS material, the one-line reason
of a failed handshake, and ``TLSStream``, a TLS socket that one reader and several writers may share.

Why a lock and non-blocking I/O rather than a pump thread: an ``ssl.SSLSocket`` is one OpenSSL object,
and ``_ssl`` releases the GIL inside ``SSL_read``/``SSL_write``, so the reader thread of
``H2ClientConnection`` and a writer must never be inside it at once. ``TLSStream`` puts the socket in
non-blocking mode and runs every OpenSSL call under one lock that is held only while OpenSSL works on
bytes already at hand (microseconds): a caller that would block (``SSLWantRead``/``SSLWantWrite``)
drops the lock and waits in ``poll`` on the descriptor, so a writer stalled by the peer's TCP window
never holds the reader back, nor the other way round. Ciphertext order is OpenSSL's own, as both
directions write straight to the socket under the lock. Compared with a pump thread bridged through a
socketpair (or ``MemoryBIO``), there is no extra thread, no extra copy through the kernel and no extra
thread hand-off per record: the cost over plain TCP is the cipher plus one lock per frame.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import ssl
import tempfile
import threading

from depotci.core.buildkit.endpoint import TLSConfig

__all__ = ["TLSStream", "client_context", "handshake_reason"]

_POLL_SLICE_MS = 1000  # re-check for close() now and then while waiting (descriptor numbers are reused)


def client_context(tls: TLSConfig) -> ssl.SSLContext:
    """A client context like grpcio's: ``tls.ca_cert`` (else the system roots), the client certificate
    and key (PEM bytes, loaded through 0600 files in a private temporary directory), ALPN ``h2``.
    Raises ``ssl.SSLError``/``OSError`` when the material does not load."""
    ctx = ssl.create_default_context(cadata=tls.ca_cert.decode() if tls.ca_cert else None)
    ctx.set_alpn_protocols(["h2"])
    if tls.cert:
        with tempfile.TemporaryDirectory(prefix="depotci-tls-") as tmp:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            for path, data in ((cert, tls.cert), (key, tls.key)):
                with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                    f.write(data)
            ctx.load_cert_chain(cert, key)
    return ctx


def handshake_reason(exc: ssl.SSLError) -> str:
    """One lower-case line for a TLS failure: an untrusted server certificate, or the alert's name
    (``tlsv13 alert certificate required``, ``tlsv1 alert unknown ca``...)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server certificate is not trusted: {exc.verify_message}"
    return str(exc.reason).lower().replace("_", " ") if exc.reason else str(exc)


class TLSStream:
    """A handshaken ``ssl.SSLSocket`` with the socket methods ``H2ClientConnection`` uses, safe for one
    reader and concurrent writers (see the module docstring). ``recv`` raises ``ConnectionError`` with
    ``TLS handshake failed: <reason>`` when the server's first record is an alert (TLS 1.3 servers
    reject a client certificate after the client's side of the handshake is done)."""

    def __init__(self, sock: ssl.SSLSocket) -> None:
        sock.setblocking(False)
        self._ssl = sock
        self._fd = sock.fileno()
        self._lock = threading.Lock()
        self._closed = False
        self._got_data = False
        self._rbuf = bytearray()  # the reader's buffer (one reader at a time): no 256 KiB allocation per record

    def settimeout(self, value: float | None) -> None:
        """Ignored: the stream is non-blocking inside and blocks in ``poll``."""

    def selected_alpn_protocol(self) -> str | None:
        return self._ssl.selected_alpn_protocol()

    def recv(self, size: int) -> bytes:
        """Up to ``size`` plaintext bytes (as many records as are at hand); b"" at EOF or after close."""
        while True:
            with self._lock:
                if self._closed:
                    return b""
                if len(self._rbuf) < size:
                    self._rbuf = bytearray(size)
                view = memoryview(self._rbuf)
                try:
                    got = n = self._ssl.recv_into(view, size)
                    while n and got < size:  # drain the records at hand, without waiting
                        try:
                            n = self._ssl.recv_into(view[got:], size - got)
                        except ssl.SSLError:  # would block, or an error the next call reports
                            break
                        got += n
                    self._got_data = self._got_data or got > 0
                    return bytes(view[:got])
                except ssl.SSLWantReadError:
                    events = select.POLLIN
                except ssl.SSLWantWriteError:
                    events = select.POLLOUT
                except ssl.SSLZeroReturnError:
                    return b""
                except ssl.SSLError as exc:
                    raise self._error(exc) from None
            self._wait(events)

    def sendall(self, data: bytes) -> None:
        """Send all of ``data``; OpenSSL is retried with the same buffer after a would-block, as it needs.
        Not atomic against another ``sendall`` (the lock is dropped while waiting): writers take turns
        themselves, as ``H2ClientConnection`` does with its write lock."""
        view = memoryview(data)
        while view:
            with self._lock:
                if self._closed:
                    raise OSError(errno.EPIPE, "the TLS stream is closed")
                try:
                    view = view[self._ssl.send(view) :]
                    continue
                except ssl.SSLWantWriteError:
                    events = select.POLLOUT
                except ssl.SSLWantReadError:
                    events = select.POLLIN
                except (ssl.SSLError, OSError) as exc:
                    raise self._write_error(exc) from None
            self._wait(events)

    def shutdown(self, how: int) -> None:
        """Shut the TCP connection down (wakes a waiting reader); no close_notify is sent."""
        socket.socket.shutdown(self._ssl, how)  # not SSLSocket.shutdown: that drops the SSL object

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._ssl.close()

    def _wait(self, events: int) -> None:
        poller = select.poll()
        poller.register(self._fd, events)
        while not self._closed and not poller.poll(_POLL_SLICE_MS):
            pass

    def _write_error(self, exc: OSError) -> OSError:
        """A failed write (lock held). Before any data came, the server has most likely rejected the
        handshake and closed (EPIPE, or OpenSSL's EOF): its alert is then waiting to be read."""
        if not self._got_data:
            try:
                self._ssl.recv(1)
            except ssl.SSLError as alert:
                if alert.reason and not isinstance(alert, (ssl.SSLWantReadError, ssl.SSLWantWriteError)):
                    return self._error(alert)
            except OSError:
                pass
        return self._error(exc) if isinstance(exc, ssl.SSLError) else exc

    def _error(self, exc: ssl.SSLError) -> ConnectionError:
        reason = handshake_reason(exc)
        if not self._got_data:
            return ConnectionError(errno.ECONNABORTED, f"TLS handshake failed: {reason}")
        return ConnectionError(errno.ECONNABORTED, f"TLS error: {reason}")
