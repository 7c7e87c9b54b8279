"""WACZ signing and its check, as the WACZ Signing and Verification recommendation (0.1.0)
describes the "anonymous" signature: ``datapackage-digest.json`` holds the sha256 of
``datapackage.json`` and ``signedData`` with that hash, when and by what it was made, the
signature of the hash and the public key (base64 DER SubjectPublicKeyInfo).

The key is the store's Ed25519 key (:mod:`provenance.store.checkpoints`); the recommendation
names ECDSA for its own tools, and a SubjectPublicKeyInfo says which algorithm it holds, so a
verifier reads the key's type from it. Whoever checks a WACZ must know the public key from
elsewhere (the recommendation's "external key management"): ``verify --wacz FILE
--public-key PEM`` checks it is that key; without ``--public-key`` the package is only shown
to be unchanged since someone holding the key in it signed it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from provenance import __version__
from provenance.errors import ConfigError, NotFoundError
from provenance.store.checkpoints import Signer, key_id_of, load_public, public_der_b64

SPEC_VERSION = "0.1.0"
_OWN = {"datapackage.json", "datapackage-digest.json"}


def digest_document(package: bytes, signer: Signer) -> dict[str, Any]:
    """``datapackage-digest.json`` for ``datapackage.json``'s bytes, signed."""
    digest = "sha256:" + hashlib.sha256(package).hexdigest()
    return {
        "path": "datapackage.json",
        "hash": digest,
        "signedData": {
            "hash": digest,
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "software": f"provtrack {__version__}",
            "version": SPEC_VERSION,
            "signature": signer.sign(digest.encode()),
            "publicKey": public_der_b64(signer.public),
        },
    }


@dataclass(slots=True)
class WaczCheck:
    """What ``verify --wacz`` found."""

    files: int = 0
    signed: bool = False
    key_id: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files": self.files,
            "signed": self.signed,
            "key_id": self.key_id,
            "problems": self.problems,
        }


def member_digest(zf: zipfile.ZipFile, name: str, algo: str = "sha256") -> tuple[str, int]:
    """A package member's hash as datapackage.json writes it (``algo:hex``) and its size,
    read in 1 MiB blocks (a WARC of gigabytes is never held whole)."""
    digest = hashlib.new(algo)
    size = 0
    with zf.open(name) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return f"{algo}:{digest.hexdigest()}", size


def _check_signature(
    check: WaczCheck, signed: Any, digest: str, trusted: Ed25519PublicKey | None
) -> None:
    if not isinstance(signed, dict):
        check.problems.append("datapackage-digest.json has no signedData: the WACZ is not signed")
        return
    if signed.get("hash") != digest:
        check.problems.append("the signed hash is not datapackage.json's: the digest was altered")
        return
    try:
        public = load_public(str(signed.get("publicKey", "")))
    except ConfigError as err:
        check.problems.append(f"the signature's publicKey is unreadable: {err}")
        return
    check.key_id = key_id_of(public)
    try:
        public.verify(base64.b64decode(str(signed.get("signature", ""))), digest.encode())
    except (InvalidSignature, ValueError, binascii.Error):
        check.problems.append("the signature of datapackage.json's hash is not valid: forged")
        return
    if trusted is not None and key_id_of(trusted) != check.key_id:
        check.problems.append(
            f"the WACZ is signed by key {check.key_id[:16]}..., not by the public key given"
        )
        return
    check.signed = True


def verify_wacz(path: Path, trusted: Ed25519PublicKey | None = None) -> WaczCheck:
    """Check a WACZ: every file against ``datapackage.json``, that file against the digest,
    the digest's signature (and its key against ``trusted``, when given)."""
    check = WaczCheck()
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as err:
        raise NotFoundError(f"no WACZ at {path}") from err
    except (OSError, zipfile.BadZipFile) as err:
        raise ConfigError(f"{path} is not a WACZ (ZIP) file: {err}") from err
    with zf:
        names = set(zf.namelist())
        missing = [n for n in sorted(_OWN) if n not in names]
        if missing:
            check.problems.append(f"{', '.join(missing)} missing: not a signed WACZ")
            return check
        package_bytes = zf.read("datapackage.json")
        digest = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        try:
            digest_doc = json.loads(zf.read("datapackage-digest.json"))
            package = json.loads(package_bytes)
        except ValueError as err:
            check.problems.append(f"datapackage files are not JSON: {err}")
            return check
        if digest_doc.get("hash") != digest:
            check.problems.append(
                "datapackage.json was changed: its sha256 is not the one datapackage-digest.json "
                "holds"
            )
        _check_signature(check, digest_doc.get("signedData"), str(digest_doc.get("hash")), trusted)
        listed = set()
        for resource in package.get("resources", []):
            name = str(resource.get("path", ""))
            listed.add(name)
            check.files += 1
            if name not in names:
                check.problems.append(f"{name} is listed in datapackage.json but missing")
                continue
            found, size = member_digest(zf, name)
            if found != resource.get("hash") or size != resource.get("bytes"):
                check.problems.append(
                    f"{name} was changed: its sha256 is not the one datapackage.json lists"
                )
        for name in sorted(names - listed - _OWN):
            if not name.endswith("/"):
                check.problems.append(f"{name} is in the WACZ but not in datapackage.json (added)")
    return check
