"""C2PA manifests with a CAWG training-mining assertion, signed with c2pa-python.

The signing key and certificate chain are generated here, deterministically (keys derived
from fixed seeds, fixed serials and validity, RFC 6979 ECDSA): a demo CA and a leaf for
"Pixgram, Inc.". Readers report the signer as untrusted (the CA is on no trust list), which
is what an investigator would see for a self-issued credential.

One thing is not deterministic: c2pa-rs salts every assertion box with random bytes and has
no setting to fix them, so a signed file's bytes (and sha256) change from build to build
while its size, pixels and manifest content do not. Compare crawls with the manifest of the
server that served them (``DemoWeb.manifest()`` or ``serve --manifest``).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import json
from typing import Any

from demoweb.model import Img

SIGNER_ORG = "Pixgram, Inc."
VALIDATION = "signingCredential.untrusted"
"""What c2pa-python reports for these files: the signature is valid, the CA is not trusted."""

_ACTIONS = {
    "label": "c2pa.actions",
    "data": {
        "actions": [
            {
                "action": "c2pa.created",
                "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                "when": "2024-07-01T12:00:00Z",
            }
        ]
    },
}


def manifest_label(img: Img) -> str:
    """A stable manifest label (URN with a UUID derived from the image path)."""
    digest = hashlib.sha256(img.path.encode()).hexdigest()
    return f"urn:c2pa:{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


def manifest_definition(img: Img) -> dict[str, Any]:
    """The manifest the builder signs: a creation action and the training-mining assertion."""
    if img.c2pa is None:
        raise ValueError(f"{img.path} declares no C2PA manifest")
    entries = {key: {"use": use} for key, use in img.c2pa.entries}
    return {
        "claim_generator_info": [{"name": "demoweb", "version": "1"}],
        "title": img.path.rsplit("/", 1)[-1],
        "format": "image/jpeg",
        "instance_id": f"xmp:iid:{manifest_label(img).removeprefix('urn:c2pa:')}",
        "label": manifest_label(img),
        "assertions": [
            _ACTIONS,
            {"label": "cawg.training-mining", "data": {"entries": entries}},
        ],
    }


@functools.cache
def _signer() -> Any:
    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def key(seed: bytes) -> ec.EllipticCurvePrivateKey:
        return ec.derive_private_key(
            int.from_bytes(hashlib.sha256(seed).digest(), "big") % 2**255, ec.SECP256R1()
        )

    def usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not sign,
            crl_sign=not sign,
            encipher_only=False,
            decipher_only=False,
        )

    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(2034, 1, 1, tzinfo=datetime.UTC)
    ca_key, leaf_key = key(b"demoweb c2pa ca"), key(b"demoweb c2pa leaf")
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "demoweb test CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "demoweb"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1001)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True)
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "pixgram.com content credentials"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, SIGNER_ORG),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(1002)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True)
    )
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, ca)).decode()

    def sign(data: bytes) -> bytes:
        der = leaf_key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = utils.decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return c2pa.Signer.from_callback(sign, c2pa.C2paSigningAlg.ES256, chain, None)


def sign(jpeg: bytes, img: Img) -> bytes:
    """``jpeg`` with the image's C2PA manifest embedded (JUMBF in APP11 segments)."""
    import c2pa

    builder = c2pa.Builder(json.dumps(manifest_definition(img)), context=_context())
    out = io.BytesIO()
    builder.sign(_signer(), "image/jpeg", io.BytesIO(jpeg), out)
    return out.getvalue()


@functools.cache
def _context() -> Any:
    import c2pa

    # No thumbnail assertion: it would triple the file size for nothing the demo needs.
    return c2pa.Context(c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}}))
