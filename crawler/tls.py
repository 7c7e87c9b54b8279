"""HTTPS as a provenance crawler needs it: certificates verified, and what was shown recorded.

Scrapy does not verify server certificates by default; a crawler that records "this is what
``example.com`` said" must know it spoke to ``example.com``. :class:`VerifyingContextFactory`
(set as ``DOWNLOADER_CLIENTCONTEXTFACTORY``, so the playwright handler's plain requests use it
too) verifies every peer with Twisted's ``optionsForClientTLS`` (chain and host name, through
``service_identity``) against:

- the platform's trust store plus every ``--ca-cert`` file, for every host (users behind an
  intercepting proxy name its CA there);
- the demo web's CA alone, for demo-web host names only (``CrawlConfig.demo_ca``): the CA the
  demo web made at start is never trusted for any other name.

:func:`certificate_facts` turns the peer certificate Scrapy hands back with each response
into the facts a record keeps: subject, issuer, SHA-256 fingerprint, validity, serial, names.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from OpenSSL import SSL, crypto
from twisted.internet import ssl as tssl
from twisted.internet._sslverify import IOpenSSLTrustRoot
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer  # type: ignore[import-untyped]

from crawler.config import CrawlConfig

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


def _load_pems(paths: list[Path]) -> list[crypto.X509]:
    certs: list[crypto.X509] = []
    for path in paths:
        for cert in x509.load_pem_x509_certificates(Path(path).read_bytes()):
            certs.append(crypto.X509.from_cryptography(cert))
    return certs


@implementer(IOpenSSLTrustRoot)
class _PlatformPlus:
    """The platform's default roots plus extra CA certificates (``--ca-cert``)."""

    def __init__(self, extra: list[crypto.X509]) -> None:
        self._extra = extra

    def _addCACertsToContext(self, context: SSL.Context) -> None:
        context.set_default_verify_paths()
        store = context.get_cert_store()
        assert store is not None
        for cert in self._extra:
            store.add_cert(cert)


@implementer(IOpenSSLTrustRoot)
class _Only:
    """Exactly these CA certificates, nothing from the platform (the demo web's CA)."""

    def __init__(self, certs: list[crypto.X509]) -> None:
        self._certs = certs

    def _addCACertsToContext(self, context: SSL.Context) -> None:
        store = context.get_cert_store()
        assert store is not None
        for cert in self._certs:
            store.add_cert(cert)


@implementer(IPolicyForHTTPS)
class VerifyingContextFactory:
    """Scrapy's TLS policy for a provtrack crawl: verify every certificate, per host's roots."""

    def __init__(self, config: CrawlConfig) -> None:
        self.config = config
        self._web = _PlatformPlus(_load_pems([Path(p) for p in config.ca_certs]))
        self._demo = _Only(_load_pems([Path(config.demo_ca)])) if config.demo_ca else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        return cls(CrawlConfig.from_settings(crawler.settings))

    def trust_for(self, host: str) -> _PlatformPlus | _Only:
        """The roots a host's certificate must chain to.

        By name: only a certificate the demo web's CA signed passes for a demo name, so the
        CA the user gave is the proof (reproduce mode asks the proxy's handshake besides)."""
        if self._demo is not None and self.config.matches_demo_pattern(host):
            return self._demo
        return self._web

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:
        host = hostname.decode("ascii")
        trust: Any = self.trust_for(host.lower())  # provides IOpenSSLTrustRoot
        return tssl.optionsForClientTLS(host, trustRoot=trust)


def spki_pins(paths: list[Path]) -> list[str]:
    """Base64 SHA-256 of each CA's public key: Chromium's ``--ignore-certificate-errors-spki-list``.

    Chromium cannot be handed a CA for some names only; pinning the demo CA's key accepts a
    chain only when it holds that key, which exists only inside the demo web's process.
    """
    import base64
    import hashlib

    from cryptography.hazmat.primitives import serialization

    pins: list[str] = []
    for path in paths:
        for cert in x509.load_pem_x509_certificates(Path(path).read_bytes()):
            der = cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            pins.append(base64.b64encode(hashlib.sha256(der).digest()).decode())
    return pins


def error_kind(err: BaseException) -> str:
    """The name a failure is counted under: ``SSLError`` when a TLS handshake failed (Twisted
    wraps it in ``DownloadFailedError``/``ResponseNeverReceived``), else the exception's own."""
    reasons = getattr(err, "reasons", None) or []
    texts = [str(err), *(str(getattr(r, "value", r)) for r in reasons)]
    if isinstance(err, SSL.Error) or any(
        "certificate verify failed" in t or "SSL routines" in t for t in texts
    ):
        return "SSLError"
    return type(err).__name__


def certificate_facts(certificate: Any) -> dict[str, Any] | None:
    """The facts of the peer certificate a response came with (``Response.certificate``)."""
    if certificate is None:
        return None
    try:
        original = certificate.original
        cert = original.to_cryptography() if hasattr(original, "to_cryptography") else original
        names: list[str] = []
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            names = [str(n) for n in san.value.get_values_for_type(x509.DNSName)]
        except x509.ExtensionNotFound:
            pass
        return {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "sha256": cert.fingerprint(hashes.SHA256()).hex(),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "serial": format(cert.serial_number, "x"),
            "dns_names": names,
        }
    except Exception as err:  # a certificate we cannot read is recorded as such, never a crash
        return {"error": f"{type(err).__name__}: {err}"}
