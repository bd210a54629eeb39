"""Optional keyed signatures: a programme team can tell a return is the workbook it sent to that service.

The signature is an HMAC of the service id, framework id and version and the spec fingerprint, written into the
metadata sheet and a custom document property (both survive a LibreOffice re-save). Editing the identity in
either place, or pasting one service's metadata into another workbook, no longer matches.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from .errors import MaturityXLError

MIN_KEY_BYTES = 16


class SigningKeyError(MaturityXLError):
    pass


def load_key(path: str | Path) -> bytes:
    """A key file: any bytes, at least 16 of them (e.g. `head -c 32 /dev/urandom > programme.key`)."""
    try:
        key = Path(path).read_bytes().strip()
    except OSError as exc:
        raise SigningKeyError(f"{path}: the key file cannot be read ({exc.strerror})") from None
    if len(key) < MIN_KEY_BYTES:
        raise SigningKeyError(f"{path}: a key needs at least {MIN_KEY_BYTES} bytes; make one with "
                        f"'head -c 32 /dev/urandom > {Path(path).name}'")
    return key


def signature(key: bytes, service_id: str, framework_id: str, version: str, fingerprint: str) -> str:
    message = "\x1f".join(("maturity-xl/1", service_id, framework_id, version, fingerprint)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def verify(key: bytes, value: str, service_id: str, framework_id: str, version: str, fingerprint: str) -> bool:
    return hmac.compare_digest(value.encode(), signature(key, service_id, framework_id, version, fingerprint)
                               .encode())
