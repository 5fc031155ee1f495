"""A self-signed certificate for the simulator's TLS listener (made once per process)."""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path
import ssl
import tempfile
import threading

_lock = threading.Lock()
_pem: tuple[bytes, bytes] | None = None


def self_signed_pem() -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for CN=localhost, SAN localhost and 127.0.0.1."""
    global _pem
    with _lock:
        if _pem is None:
            _pem = _generate()
        return _pem


def _generate() -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert_pem, key_pem


def self_signed_context() -> ssl.SSLContext:
    """A server context holding the self-signed certificate."""
    cert_pem, key_pem = self_signed_pem()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain only reads files: write them to a private temporary directory.
    with tempfile.TemporaryDirectory(prefix="smscsim-tls-") as tmp:
        cert_path = Path(tmp, "cert.pem")
        key_path = Path(tmp, "key.pem")
        cert_path.write_bytes(cert_pem)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context


def client_context() -> ssl.SSLContext:
    """A client context trusting only the self-signed certificate (hostname checked)."""
    cert_pem, _ = self_signed_pem()
    context = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    context.check_hostname = True
    return context
