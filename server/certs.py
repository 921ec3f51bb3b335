"""The server's certificate authority: a CA kept in the data dir, the gateway's server certificate, and
a short-lived client certificate per build and architecture (subject CN = build id, OU = platform)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CA", "IssuedCert"]


@dataclass(frozen=True)
class IssuedCert:
    """A certificate and its key, both PEM."""

    cert: bytes
    key: bytes


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CA:
    """Load the CA from ``data_dir`` (creating it on first start) and issue certificates with it."""

    def __init__(self, data_dir: str) -> None:
        os.makedirs(data_dir, mode=0o700, exist_ok=True)
        cert_path = os.path.join(data_dir, "ca.pem")
        key_path = os.path.join(data_dir, "ca-key.pem")
        if not os.path.exists(cert_path):
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "depotci server CA")])
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(_now() - dt.timedelta(minutes=5))
                .not_valid_after(_now() + dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(
                    x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
                )
                .sign(key, hashes.SHA256())
            )
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(_key_pem(key))
            with open(cert_path, "wb") as f:
                f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(cert_path, "rb") as f:
            self.cert_pem = f.read()
        with open(key_path, "rb") as f:
            loaded = serialization.load_pem_private_key(f.read(), None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        self._key = loaded
        self._cert = x509.load_pem_x509_certificate(self.cert_pem)

    def _issue(
        self, subject: x509.Name, ttl: dt.timedelta, usage: x509.ObjectIdentifier, sans: list[x509.GeneralName]
    ) -> IssuedCert:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - dt.timedelta(minutes=1))
            .not_valid_after(_now() + ttl)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(self._key, hashes.SHA256())
        return IssuedCert(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))

    def server_cert(self, server_name: str, hosts: list[str]) -> IssuedCert:
        """The gateway's certificate: SANs ``server_name`` plus the listen hosts."""
        sans: list[x509.GeneralName] = [x509.DNSName(server_name)]
        for host in hosts:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                sans.append(x509.DNSName(host))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server_name)])
        return self._issue(subject, dt.timedelta(days=30), ExtendedKeyUsageOID.SERVER_AUTH, sans)

    def client_cert(self, build_id: str, platform: str, ttl_s: float) -> IssuedCert:
        """A client certificate that lets one build reach its builder for ``ttl_s`` seconds."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, build_id),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, platform),
            ]
        )
        return self._issue(subject, dt.timedelta(seconds=ttl_s), ExtendedKeyUsageOID.CLIENT_AUTH, [])
