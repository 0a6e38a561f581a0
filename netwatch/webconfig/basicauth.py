"""HTTP basic authentication against bcrypt hashes, with a cache of verified passwords.

bcrypt at cost 10 takes tens of milliseconds: a scrape every 15 s must not pay it each
time. A password that bcrypt accepted is remembered as a keyed digest (never the password
itself) next to the user and the hash it was checked against, so a changed hash or
password goes through bcrypt again. Failures are never cached. Unknown users are checked
against a dummy hash of the same cost, so timing does not tell which users exist.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping

BCRYPT_HASH = re.compile(r"\$2[abxy]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")
MAX_PASSWORD_BYTES = 72  # bcrypt ignores the rest; bcrypt 5 refuses longer passwords
MAX_HEADER_CHARS = 1024
CACHE_SIZE = 256


def is_bcrypt_hash(value: str) -> bool:
    """True when ``value`` looks like a bcrypt hash ($2a$, $2b$, $2x$ or $2y$, cost 4-31)."""
    return BCRYPT_HASH.fullmatch(value) is not None


def hash_password(password: str, cost: int = 10) -> str:
    """The bcrypt hash of ``password``; ValueError when it is empty or too long."""
    raw = password.encode("utf-8")
    if not raw:
        raise ValueError("the password is empty")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise ValueError(f"the password is longer than {MAX_PASSWORD_BYTES} bytes")
    import bcrypt  # only when hashing: the agent without basic auth never loads it

    return bcrypt.hashpw(raw, bcrypt.gensalt(cost)).decode("ascii")


def parse_basic(authorization: str | None) -> tuple[str, bytes] | None:
    """``(user, password)`` from an ``Authorization: Basic ...`` value, or None if malformed."""
    if not isinstance(authorization, str) or len(authorization) > MAX_HEADER_CHARS:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # bad base64, non-ASCII input, non-UTF-8 result
        return None
    user, colon, password = decoded.partition(":")
    if not colon:
        return None
    return user, password.encode("utf-8")


class BasicAuth:
    """Checks ``Authorization`` headers against ``users`` (name -> bcrypt hash)."""

    def __init__(self, users: Mapping[str, str], cache_size: int = CACHE_SIZE) -> None:
        self._users = {user: hashed.encode("ascii") for user, hashed in users.items()}
        self._cache_size = cache_size
        self._key = secrets.token_bytes(32)
        self._verified: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._bcrypt_lock = threading.Lock()  # one bcrypt at a time bounds the CPU spent
        self._dummy: bytes | None = None

    @property
    def required(self) -> bool:
        """True when users are configured."""
        return bool(self._users)

    def quick_check(self, authorization: str | None) -> bool | None:
        """The answer when it needs no bcrypt (no users, malformed, or a verified password
        in the cache); None when only :meth:`check` can tell."""
        if not self._users:
            return True
        credentials = parse_basic(authorization)
        if credentials is None or len(credentials[1]) > MAX_PASSWORD_BYTES:
            return False
        user, password = credentials
        stored = self._users.get(user)
        digest = hmac.new(self._key, password, hashlib.sha256).digest()
        if stored is not None and self._cached(user, stored, digest):
            return True
        return None

    def check(self, authorization: str | None) -> bool:
        """True when no users are configured or the header names a user and their password."""
        quick = self.quick_check(authorization)
        if quick is not None:
            return quick
        credentials = parse_basic(authorization)
        if credentials is None:  # quick_check has answered False already
            return False
        user, password = credentials
        digest = hmac.new(self._key, password, hashlib.sha256).digest()
        stored = self._users.get(user)
        accepted = self._bcrypt(password, stored if stored is not None else self._dummy_hash())
        if accepted and stored is not None:
            self._remember(user, stored, digest)
            return True
        return False

    def _cached(self, user: str, stored: bytes, digest: bytes) -> bool:
        with self._cache_lock:
            known = self._verified.get((user, stored))
            if known is not None:
                self._verified.move_to_end((user, stored))
        return known is not None and hmac.compare_digest(known, digest)

    def _remember(self, user: str, stored: bytes, digest: bytes) -> None:
        with self._cache_lock:
            self._verified[(user, stored)] = digest
            self._verified.move_to_end((user, stored))
            while len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)

    def _bcrypt(self, password: bytes, hashed: bytes) -> bool:
        import bcrypt

        with self._bcrypt_lock:
            try:
                return bcrypt.checkpw(password, hashed)
            except ValueError:
                return False

    def _dummy_hash(self) -> bytes:
        """A hash of a random password at the highest cost in use, made on first need."""
        import bcrypt

        with self._bcrypt_lock:
            if self._dummy is None:
                cost = max(int(hashed[4:6]) for hashed in self._users.values())
                self._dummy = bcrypt.hashpw(secrets.token_hex(16).encode(), bcrypt.gensalt(cost))
            return self._dummy
