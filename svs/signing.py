"""Ed25519 signatures over what svs stores: item results, application and batch summaries, supersession records
and the decision log's records (:mod:`svs.sealing`).

A signature is stored beside the object it signs (``<key>.sig``): the algorithm, the signing key's id and the
SHA-256 of the exact bytes signed. Ed25519 is deterministic, so the same key signing the same bytes again (a
batch run again) stores the same signature. The key is a PKCS#8 PEM file: ``svs keys generate FILE`` makes one,
``SVS_SIGNING_KEY_FILE`` names the one in use, and where none is named the embedded default makes and keeps one
of its own in the user's data folder and says where. The public key is stored in the store as well
(``keys/<key id>.pem``) so that ``svs verify`` can check a store on its own; a verifier that does not trust the
store pins the key it was given apart from it (``--public-key``).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from svs.errors import ConfigError
from svs.files import create_new
from svs.log import get_logger
from svs.schema import Signature

KEY_ENV = "SVS_SIGNING_KEY_FILE"
ALGORITHM = "ed25519"

log = get_logger("svs.signing")


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key: names the key in every signature."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise ConfigError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("not an Ed25519 public key")
    return key


@dataclass(frozen=True)
class Signer:
    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, data: bytes) -> Signature:
        return Signature(key_id=self.key_id, sha256=hashlib.sha256(data).hexdigest(),
                         signature=base64.b64encode(self.private.sign(data)).decode("ascii"))


def generate(path: Path) -> Signer:
    """A new key in *path*, readable by its owner only; an existing file is never overwritten."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # written whole, then linked into place: another process never reads half a key, and of two processes
    # making the default key at once, one wins and the other reads the winner's
    if path.exists() or not create_new(path, pem, 0o600):
        raise ConfigError(f"{path} exists already: a signing key is never overwritten")
    return Signer(private, path)


def load(path: Path) -> Signer:
    try:
        pem = path.read_bytes()
    except OSError:
        raise ConfigError(f"cannot read the signing key {path}") from None
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise ConfigError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    return Signer(private, path)


def default_key_path() -> Path:
    """Where the embedded default keeps the key it made: the user's data folder, never the store (a key kept
    with what it signs would let whoever edits the store sign again)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "svs" / "signing-key.pem"


@lru_cache(maxsize=4)
def _signer_at(path: str) -> Signer:
    return load(Path(path))


def current() -> Signer:
    """The key in use: ``SVS_SIGNING_KEY_FILE``, else the default key, made on first use (and said so). A
    caller that starts processes calls it first and names the key to them (:func:`name_for_children`)."""
    named = os.environ.get(KEY_ENV)
    if named:
        return _signer_at(named)
    path = default_key_path()
    if not path.exists():
        try:
            signer = generate(path)
        except ConfigError:  # another process made it a moment ago
            return _signer_at(str(path))
        log.warning("no signing key named: made one", extra={"path": str(path), "key_id": signer.key_id})
    return _signer_at(str(path))


def name_for_children(signer: Signer) -> None:
    """Name *signer*'s key in the environment that processes started from here inherit."""
    os.environ[KEY_ENV] = str(signer.path)


def check(public: Ed25519PublicKey, data: bytes, signature: Signature) -> bool:
    """Whether *signature* is *public*'s over exactly *data*."""
    if signature.alg != ALGORITHM or signature.sha256 != hashlib.sha256(data).hexdigest():
        return False
    try:
        public.verify(base64.b64decode(signature.signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
