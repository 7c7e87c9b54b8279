"""Signed checkpoints: the evidence chain's head, signed with the store's Ed25519 key.

A hash chain alone can be rewritten by anyone who can write the store: recompute every entry
after the one changed and it links again. A checkpoint is a statement "entry N has hash H",
dated and signed with a private key kept outside the store, so a rewrite below a checkpoint,
a tail cut below one, and an appended row with a recomputed entry (after the last one) are all
seen by ``verify``. Every run end, evaluation, opt-out and purge appends one.

Keys (``cryptography``'s Ed25519): a store has one key pair. The public key is a chained row
of the store (``signing_key``) and goes into every export; the private key is a PEM file
outside the store: ``--key FILE`` (or ``PROVTRACK_KEY``) names it, and must then be the
store's key; else ``PROVTRACK_KEY_DIR`` (default ``$XDG_CONFIG_HOME/provtrack/keys``, i.e.
``~/.config/provtrack/keys``) holds ``<key id>.pem`` (mode 0600), the key id being the
sha256 of the raw public key. The first writer of a store makes the pair (or takes the one
``--key`` names); a writer that cannot find the store's private key refuses before it writes
(a second key is never added quietly: anyone able to write the store could add their own).

What an outside party should keep is the head ``verify`` prints (``N:HASH``) or the public
key: ``verify --expect-head N:HASH`` checks that head is still a prefix of the chain and
``--public-key`` that the checkpoints are signed by that key, not by one put in its place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import col, select

from provenance.errors import ConfigError
from provenance.store.canonical import canonical_json
from provenance.store.db import Store
from provenance.store.models import Checkpoint, EvidenceEntry, SigningKey

MESSAGE_VERSION = "provtrack-checkpoint/1"


class SigningKeyError(ConfigError):
    """The store's private key is not where provtrack looks for it (or is not readable)."""


def key_dir() -> Path:
    """Where private keys are kept: ``PROVTRACK_KEY_DIR``, else the user's config folder."""
    given = os.environ.get("PROVTRACK_KEY_DIR")
    if given:
        return Path(given).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "provtrack" / "keys"


def raw_public(public: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public: Ed25519PublicKey) -> str:
    """A key's id: the sha256 (hex) of its raw public bytes."""
    return hashlib.sha256(raw_public(public)).hexdigest()


def public_pem(public: Ed25519PublicKey) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo), as exports carry it."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_der_b64(public: Ed25519PublicKey) -> str:
    """The public key as base64 DER SubjectPublicKeyInfo (a WACZ ``publicKey``)."""
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def load_public(text: str | bytes) -> Ed25519PublicKey:
    """A public key from PEM, base64 DER SubjectPublicKeyInfo or base64 raw bytes."""
    data = text.encode() if isinstance(text, str) else text
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            raw = base64.b64decode(data.strip(), validate=True)
            key = (
                Ed25519PublicKey.from_public_bytes(raw)
                if len(raw) == 32
                else serialization.load_der_public_key(raw)
            )
    except (ValueError, TypeError, binascii.Error) as err:
        raise ConfigError(f"not an Ed25519 public key: {err}") from err
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("not an Ed25519 public key")
    return key


@dataclass(frozen=True, slots=True)
class Signer:
    """The store's private key, found outside the store."""

    key_id: str
    private: Ed25519PrivateKey

    def sign(self, message: bytes) -> str:
        """Base64 Ed25519 signature of ``message``."""
        return base64.b64encode(self.private.sign(message)).decode()

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


def _read_private(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PEM file; one line naming what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise SigningKeyError(
            f"the private key file {path} does not exist (an unencrypted Ed25519 PEM: "
            "`openssl genpkey -algorithm ed25519 -out FILE` makes one)"
        ) from err
    except OSError as err:
        raise SigningKeyError(
            f"cannot read the private key file {path}: {err.strerror or err}"
        ) from err
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise SigningKeyError(
            f"{path} holds a public key: signing needs the private key (verify reads the "
            "public key from the store)"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as err:  # cryptography: "Password was not given but private key is ..."
        raise SigningKeyError(
            f"the private key {path} is encrypted: provtrack reads an unencrypted PEM (keep "
            "it readable by this user only)"
        ) from err
    except (ValueError, UnsupportedAlgorithm) as err:
        raise SigningKeyError(f"{path} is not a PEM private key provtrack can read") from err
    if not isinstance(key, Ed25519PrivateKey):
        kind = type(key).__name__.removesuffix("PrivateKey").lstrip("_") or "another"
        raise SigningKeyError(f"{path} holds a private key of type {kind}, not Ed25519")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:  # as ssh refuses such a key: whoever can read it can sign checkpoints
        raise SigningKeyError(
            f"the private key {path} can be read by other users (mode {mode:o}): anyone who "
            f"reads it can sign this store's checkpoints; `chmod 600 {path}`"
        )
    return key


def _write_private(key: Ed25519PrivateKey, key_id: str) -> Path:
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{key_id}.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return path


def use_key_file(path: Path) -> Path:
    """Sign with the private key in ``path`` (``--key FILE``): read now, so that a missing,
    unreadable or wrong key is one line before anything is written.

    The choice is the process's (``PROVTRACK_KEY``, which child processes inherit). A key
    named this way must be the store's: it is never replaced by one found elsewhere.
    """
    resolved = path.expanduser().absolute()
    _read_private(resolved)
    os.environ["PROVTRACK_KEY"] = str(resolved)
    return resolved


def _explicit_path() -> Path | None:
    given = os.environ.get("PROVTRACK_KEY")
    return Path(given).expanduser() if given else None


def _explicit() -> Ed25519PrivateKey | None:
    path = _explicit_path()
    return _read_private(path) if path is not None else None


def _find_private(key_id: str) -> Ed25519PrivateKey | None:
    """The private key of ``key_id`` in the key folder (``<key id>.pem``), if there."""
    path = key_dir() / f"{key_id}.pem"
    if path.is_file():
        key = _read_private(path)
        if key_id_of(key.public_key()) == key_id:
            return key
    return None


def _signer_among(keys: list[SigningKey]) -> Signer | None:
    """The signer of one of the store's keys: the key named (``--key``, ``PROVTRACK_KEY``),
    which must be one of them, else the first whose private key is in the key folder."""
    explicit = _explicit()
    if explicit is not None:
        found = key_id_of(explicit.public_key())
        if keys and found not in {row.id for row in keys}:
            raise SigningKeyError(
                f"the private key {_explicit_path()} (key {found[:16]}...) is not the store's "
                f"signing key {keys[0].id[:16]}...: nothing was written"
            )
        return Signer(found, explicit) if keys else None
    for row in keys:
        private = _find_private(row.id)
        if private is not None:
            return Signer(row.id, private)
    return None


def store_keys(store: Store) -> list[SigningKey]:
    """The store's registered public keys, oldest first."""
    with store.session() as s:
        return list(s.exec(select(SigningKey).order_by(col(SigningKey.created_at))).all())


def find_signer(store: Store) -> Signer:
    """The store's signer, for a reader (a WACZ export): never makes a key.

    Raises :class:`SigningKeyError` when the store has no key or its private key is not found.
    """
    keys = store_keys(store)
    signer = _signer_among(keys)
    if signer is not None:
        return signer
    if not keys:
        raise SigningKeyError(
            "the store has no signing key yet (a store from before signed checkpoints): a "
            "writer (provtrack evaluate) makes one"
        )
    raise SigningKeyError(
        f"the private key of the store's key {keys[0].id[:16]}... is not in {key_dir()} (set "
        "--key or PROVTRACK_KEY to its file, or PROVTRACK_KEY_DIR to its folder)"
    )


def signer_for(store: Store) -> Signer:
    """The store's signer; a store without a key gets one (the first writer makes the pair).

    Raises :class:`SigningKeyError` when the store has a key whose private half is not found:
    the writer must refuse before it writes anything it could not sign.
    """
    keys = store_keys(store)
    signer = _signer_among(keys)
    if signer is not None:
        return signer
    if keys:
        key = keys[0]
        raise SigningKeyError(
            f"the store's checkpoints are signed with key {key.id[:16]}..., whose private key "
            f"is not in {key_dir()} (give it with --key FILE, PROVTRACK_KEY, or "
            "PROVTRACK_KEY_DIR for its folder); nothing was written"
        )
    with store.chained() as chain:  # the chain head's lock: two first writers make one key
        existing = chain.session.exec(select(SigningKey)).first()
        if existing is not None:
            signer = _signer_among([existing])
            if signer is None:
                raise SigningKeyError(f"another process made key {existing.id[:16]}... meanwhile")
            return signer
        private = _explicit() or Ed25519PrivateKey.generate()
        key_id = key_id_of(private.public_key())
        if _explicit() is None:
            _write_private(private, key_id)
        row = SigningKey(
            id=key_id,
            algorithm="ed25519",
            public_key=base64.b64encode(raw_public(private.public_key())).decode(),
        )
        note = "the store's signing key (its private key is kept outside)"
        if chain.seq:  # a store from before signed checkpoints, signed from now on
            note += f"; entries 1-{chain.seq} were written before the store had a key"
        chain.insert(row, note=note)
    return Signer(key_id, private)


def checkpoint_message(
    seq: int, entry_hash: str, signed_at: str, reason: str, key_id: str
) -> bytes:
    """The bytes a checkpoint's signature covers."""
    return canonical_json(
        {
            "v": MESSAGE_VERSION,
            "seq": seq,
            "entry_hash": entry_hash,
            "signed_at": signed_at,
            "reason": reason,
            "key": key_id,
        }
    )


def sign_head(store: Store, reason: str, signer: Signer | None = None) -> Checkpoint | None:
    """Append a checkpoint signing the chain's current head; None for an empty chain."""
    signer = signer or signer_for(store)
    with store.session() as s:
        head = s.exec(
            select(EvidenceEntry).order_by(col(EvidenceEntry.seq).desc()).limit(1)
        ).first()
    if head is None:
        return None
    signed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message = checkpoint_message(head.seq, head.entry_hash, signed_at, reason, signer.key_id)
    checkpoint = Checkpoint(
        seq=head.seq,
        entry_hash=head.entry_hash,
        signed_at=signed_at,
        reason=reason,
        key_id=signer.key_id,
        signature=signer.sign(message),
    )
    with store.session() as s:
        s.add(checkpoint)
    return checkpoint


@dataclass(slots=True)
class CheckpointCheck:
    """What ``verify`` found about the checkpoints."""

    checked: int = 0
    signed_to: int = 0  # the entry the last valid checkpoint signs (0: none)
    last: Checkpoint | None = None
    problems: list[str] = field(default_factory=list)


def _valid(checkpoint: Checkpoint, public: Ed25519PublicKey) -> bool:
    message = checkpoint_message(
        checkpoint.seq,
        checkpoint.entry_hash,
        checkpoint.signed_at,
        checkpoint.reason,
        checkpoint.key_id,
    )
    try:
        public.verify(base64.b64decode(checkpoint.signature), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def check_checkpoints(
    store: Store,
    hashes: dict[int, str],
    head: int,
    registered: dict[str, int],
    trusted: Ed25519PublicKey | None = None,
) -> CheckpointCheck:
    """Check every checkpoint against the chain.

    ``hashes`` holds the entry hash at each checkpointed entry number (as recomputed by the
    chain walk), ``head`` the chain's last entry, ``registered`` the entry that chained each
    key. The first key registered is trusted (or ``trusted``, a key given from outside); a
    later key only once a checkpoint by a trusted key covers its registration.
    """
    result = CheckpointCheck()
    keys = {k.id: k for k in store_keys(store)}
    with store.session() as s:
        checkpoints = list(
            s.exec(select(Checkpoint).order_by(col(Checkpoint.seq), col(Checkpoint.id))).all()
        )
    if trusted is not None:
        trust = {key_id_of(trusted)}
    else:
        first = min(registered.items(), key=lambda kv: kv[1], default=None)
        trust = {first[0]} if first else set()
    for checkpoint in checkpoints:
        result.checked += 1
        name = f"checkpoint {checkpoint.id} (entry {checkpoint.seq}, {checkpoint.signed_at})"
        key = keys.get(checkpoint.key_id)
        if key is None or checkpoint.key_id not in registered:
            result.problems.append(
                f"{name} is signed by key {checkpoint.key_id[:16]}..., which "
                "the evidence log does not hold: forged"
            )
            continue
        if not _valid(checkpoint, load_public(key.public_key)):
            result.problems.append(f"{name} has no valid signature: forged or altered")
            continue
        if checkpoint.key_id not in trust:
            result.problems.append(
                f"{name} is signed by key {checkpoint.key_id[:16]}..., which no checkpoint "
                "of the store's trusted key vouched for: a key put in its place"
            )
            continue
        if checkpoint.seq > head:
            result.problems.append(
                f"the evidence log ends at entry {head} but {name} signed entry "
                f"{checkpoint.seq}: the log was truncated (entries {head + 1}-{checkpoint.seq} "
                "and later removed)"
            )
            continue
        if hashes.get(checkpoint.seq) != checkpoint.entry_hash:
            result.problems.append(
                f"evidence entry {checkpoint.seq} is not the one {name} signed: the log was "
                f"rewritten up to entry {checkpoint.seq}"
            )
            continue
        trust.update(k for k, at in registered.items() if at <= checkpoint.seq)
        if checkpoint.seq >= result.signed_to:
            result.signed_to = checkpoint.seq
            result.last = checkpoint
    return result
