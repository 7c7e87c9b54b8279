"""The demo web's own certificate authority, made when the server starts, and per-host leaves.

HTTPS on the demo web is real TLS: a client CONNECTs through the proxy, and the proxy answers
the handshake with a certificate for that host name, signed by a CA whose key exists only in
this process. Clients trust it by loading :attr:`DemoCA.ca_pem` (``python -m demoweb serve
--ca-out FILE`` writes it) and only for demo-web names; nothing else on the machine trusts it.
Built with ``cryptography`` (already a dependency through c2pa signing): one EC P-256 key
signs, one more serves every host, so a new host costs one signature, not a key generation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "provtrack demo web CA"
ORGANIZATION = "provtrack demo web (loopback only)"
VALIDITY = dt.timedelta(days=30)
BACKDATE = dt.timedelta(hours=1)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class DemoCA:
    """A CA made at construction; :meth:`server_context` gives a TLS context per host name.

    The leaf certificates carry the host as their only subjectAltName, ``serverAuth`` usage,
    and 30 days of validity from an hour ago; the CA has ``pathlen=0`` so it signs leaves only.
    """

    def __init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self.not_before = now - BACKDATE
        self.not_after = now + VALIDITY
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name(CA_NAME)
        ski = x509.SubjectKeyIdentifier.from_public_key(self._ca_key.public_key())
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(self._ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )
        self.ca_pem = self.ca_cert.public_bytes(serialization.Encoding.PEM)
        self._dir = tempfile.TemporaryDirectory(prefix="demoweb-tls-")
        self._key_path = Path(self._dir.name) / "leaf-key.pem"
        self._key_path.write_bytes(_pem_key(self._leaf_key))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._certs: dict[str, x509.Certificate] = {}
        self._lock = threading.Lock()

    @property
    def spki_sha256(self) -> str:
        """Base64 SHA-256 of the CA's SubjectPublicKeyInfo (what Chromium's SPKI list takes)."""
        import base64

        der = self.ca_cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    def leaf(self, host: str) -> x509.Certificate:
        """The certificate served for ``host`` (made on first use, then kept)."""
        with self._lock:
            cert = self._certs.get(host)
            if cert is None:
                cert = self._sign_leaf(host)
                self._certs[host] = cert
            return cert

    def _sign_leaf(self, host: str) -> x509.Certificate:
        public = self._leaf_key.public_key()
        return (
            x509.CertificateBuilder()
            .subject_name(_name(host))
            .issuer_name(self.ca_cert.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )

    def server_context(self, host: str) -> ssl.SSLContext:
        """A server-side TLS context presenting ``host``'s leaf and the CA (cached)."""
        with self._lock:
            context = self._contexts.get(host)
        if context is not None:
            return context
        chain = self.leaf(host).public_bytes(serialization.Encoding.PEM) + self.ca_pem
        chain_path = Path(self._dir.name) / f"{hashlib.sha256(host.encode()).hexdigest()}.pem"
        chain_path.write_bytes(chain)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(chain_path, self._key_path)
        context.set_alpn_protocols(["http/1.1"])
        with self._lock:
            self._contexts[host] = context
        return context

    def certificate_facts(self, host: str) -> dict[str, str]:
        """What a client sees for ``host``: subject, issuer, SHA-256 fingerprint, validity."""
        cert = self.leaf(host)
        return {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "sha256": cert.fingerprint(hashes.SHA256()).hex(),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
        }

    def write_ca(self, path: Path) -> Path:
        """Write the CA certificate (PEM) to ``path`` and return it."""
        path.write_bytes(self.ca_pem)
        return path

    def close(self) -> None:
        """Remove the key files written for the TLS contexts."""
        self._dir.cleanup()
