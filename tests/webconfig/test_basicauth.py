"""Basic auth against bcrypt hashes: answers, malformed headers and the verification cache."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import bcrypt
import pytest

from netwatch.webconfig import WebConfig, load_web_config
from netwatch.webconfig.basicauth import BasicAuth, hash_password, is_bcrypt_hash
from tests.helpers.webconfig import cheap_hash, write_web_config


def basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode()


@pytest.fixture
def config(tmp_path: Path) -> WebConfig:
    text = (
        f"basic_auth_users:\n  prometheus: '{cheap_hash('s3cret')}'\n  ops: '{cheap_hash('ôps')}'\n"
    )
    return load_web_config(write_web_config(tmp_path, text))


@pytest.fixture
def checkpw_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The hash of every bcrypt.checkpw call (the real bcrypt still answers)."""
    calls: list[bytes] = []
    real: Callable[[bytes, bytes], bool] = bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        calls.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting)
    return calls


def test_right_and_wrong_passwords(config: WebConfig) -> None:
    assert config.secured
    assert config.authorize(basic(b"prometheus:s3cret"))
    assert config.authorize("basic  " + base64.b64encode(b"prometheus:s3cret").decode())
    assert config.authorize(basic("ops:ôps".encode()))
    assert not config.authorize(basic(b"prometheus:S3cret"))
    assert not config.authorize(basic(b"prometheus:"))
    assert not config.authorize(basic(b"ops:s3cret"))
    assert not config.authorize(basic(b"nobody:s3cret"))
    assert not config.authorize(None)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Basic",
        "Basic ",
        "Bearer czNjcmV0",
        "Basic !!!not-base64!!!",
        "Basic cHJvbWV0aGV1cw=",  # bad padding
        "Basic " + base64.b64encode(b"prometheus-s3cret").decode(),  # no colon
        "Basic " + base64.b64encode(b"prometheus:\xff\xfe").decode(),  # not UTF-8
        "Basic " + base64.b64encode(b"prometheus:" + b"x" * 100).decode(),  # > 72 bytes
        "Basic " + "QUFB" * 50_000,  # huge
        "Basic ÄÖÜ",
        "Basic \x00\x01",
    ],
)
def test_malformed_headers_are_refused_quietly(config: WebConfig, header: str) -> None:
    assert config.authorize(header) is False


def test_a_verified_password_is_cached(config: WebConfig, checkpw_calls: list[bytes]) -> None:
    assert config.authorize(basic(b"prometheus:s3cret"))
    assert config.authorize(basic(b"prometheus:s3cret"))
    assert len(checkpw_calls) == 1


def test_failures_are_never_cached(config: WebConfig, checkpw_calls: list[bytes]) -> None:
    assert config.authorize(basic(b"prometheus:s3cret"))
    assert not config.authorize(basic(b"prometheus:wrong"))
    assert not config.authorize(basic(b"prometheus:wrong"))
    assert config.authorize(basic(b"prometheus:s3cret"))
    assert len(checkpw_calls) == 3  # one per distinct attempt, none for the cached success


def test_unknown_users_cost_a_bcrypt_of_the_same_cost(checkpw_calls: list[bytes]) -> None:
    known = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(5)).decode()
    auth = BasicAuth({"prometheus": known, "ops": cheap_hash("pw")})
    assert not auth.check(basic(b"nobody:s3cret"))
    assert not auth.check(basic(b"nobody:s3cret"))
    assert len(checkpw_calls) == 2  # unknown users are never cached either
    assert all(hashed.startswith(b"$2b$05$") for hashed in checkpw_calls)  # the highest cost
    assert known.encode() not in checkpw_calls


def test_a_changed_hash_needs_bcrypt_again(checkpw_calls: list[bytes]) -> None:
    old, new = cheap_hash("s3cret"), cheap_hash("s3cret")
    first, second = BasicAuth({"u": old}), BasicAuth({"u": new})
    assert first.check(basic(b"u:s3cret")) and first.check(basic(b"u:s3cret"))
    assert second.check(basic(b"u:s3cret"))
    assert checkpw_calls == [old.encode(), new.encode()]


def test_the_cache_is_bounded(checkpw_calls: list[bytes]) -> None:
    users = {f"user{n}": cheap_hash("pw") for n in range(3)}
    auth = BasicAuth(users, cache_size=2)
    for name in ("user0", "user1", "user2", "user0"):
        assert auth.check(basic(f"{name}:pw".encode()))
    assert len(checkpw_calls) == 4  # user0 was evicted by user2


def test_no_users_lets_everyone_in() -> None:
    assert WebConfig().authorize(None)
    assert WebConfig().authorize("garbage")


def test_hash_password() -> None:
    hashed = hash_password("correct horse", cost=4)
    assert is_bcrypt_hash(hashed) and hashed.startswith("$2b$04$")
    assert bcrypt.checkpw(b"correct horse", hashed.encode())
    for bad in ("", "x" * 73):
        with pytest.raises(ValueError):
            hash_password(bad, cost=4)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG", True),  # htpasswd
        ("$2a$04$" + "a" * 53, True),
        ("$2b$03$" + "a" * 53, False),  # cost too low
        ("$2b$10$" + "a" * 52, False),
        ("$1$salt$md5crypt", False),
        ("hunter2", False),
    ],
)
def test_bcrypt_hash_shapes(value: str, ok: bool) -> None:
    assert is_bcrypt_hash(value) is ok
