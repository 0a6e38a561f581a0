"""WebConfigSource: re-reading on change and on reload, keeping the old config when needed."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

from netwatch.core.yamlfile import ConfigError
from netwatch.webconfig import WebConfigSource
from tests.helpers.webconfig import PKI, cheap_hash, tls_section, write_web_config


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def users_file(directory: Path, password: str, comment: str = "") -> Path:
    text = f"# {comment}\nbasic_auth_users:\n  prometheus: '{cheap_hash(password)}'\n"
    return write_web_config(directory, text)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "netwatch.webconfig" and r.levelno == logging.WARNING
    ]


def test_no_path_means_no_web_config() -> None:
    source = WebConfigSource(None)
    assert source.current().source is None and not source.current().secured
    assert source.current().authorize(None)
    assert source.reload() is True


def test_an_invalid_file_fails_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        WebConfigSource(write_web_config(tmp_path, "basic_auth_users:\n  a: plain\n"))


def test_changes_are_seen_at_most_every_interval(tmp_path: Path) -> None:
    clock = FakeClock()
    path = users_file(tmp_path, "first")
    source = WebConfigSource(path, interval=2.0, clock=clock)
    first = source.current()
    users_file(tmp_path, "second", comment="changed")
    clock.now += 1.0
    assert source.current() is first  # not checked yet
    clock.now += 1.5
    assert source.current() is not first
    assert source.current().authorize(basic("prometheus", "second"))
    assert not source.current().authorize(basic("prometheus", "first"))


def test_an_unchanged_file_is_not_reloaded(tmp_path: Path) -> None:
    source = WebConfigSource(users_file(tmp_path, "pw"), interval=0)
    assert source.current() is source.current()


def test_an_invalid_change_keeps_the_old_config_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = users_file(tmp_path, "pw")
    source = WebConfigSource(path, interval=0)
    good = source.current()
    path.write_text("basic_auth_users:\n  prometheus: hunter2\nextra: 1\n")
    with caplog.at_level(logging.INFO, logger="netwatch.webconfig"):
        for _ in range(5):
            assert source.current() is good
        found = warnings_of(caplog)
        assert len(found) == 1
        assert found[0].startswith(f"web config {path} rejected, keeping the previous one: ")
        assert "line 2: basic_auth_users.prometheus: is not a bcrypt hash" in found[0]
        assert "line 3: extra: unknown key" in found[0] and "\n" not in found[0]
        assert "hunter2" not in caplog.text
        users_file(tmp_path, "new", comment="fixed")
        assert source.current().authorize(basic("prometheus", "new"))
        assert f"web config {path} loaded" in caplog.text


def test_a_deleted_file_keeps_the_old_config(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = users_file(tmp_path, "pw")
    source = WebConfigSource(path, interval=0)
    path.unlink()
    with caplog.at_level(logging.WARNING, logger="netwatch.webconfig"):
        assert source.current().authorize(basic("prometheus", "pw"))
    assert "cannot read file" in caplog.text


def test_reload_answers_and_logs_every_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = users_file(tmp_path, "pw")
    source = WebConfigSource(path, interval=3600)
    path.write_text("tls_server_config: [\n")
    with caplog.at_level(logging.WARNING, logger="netwatch.webconfig"):
        assert source.reload() is False
        assert source.reload() is False
    assert len(warnings_of(caplog)) == 2 and "invalid YAML" in caplog.text
    assert source.current().authorize(basic("prometheus", "pw"))
    users_file(tmp_path, "other")
    assert source.reload() is True
    assert source.current().authorize(basic("prometheus", "other"))


def test_turning_tls_on_needs_a_restart(pki: PKI, caplog: pytest.LogCaptureFixture) -> None:
    path = write_web_config(pki.directory, "")
    source = WebConfigSource(path)
    write_web_config(pki.directory, tls_section())
    with caplog.at_level(logging.WARNING, logger="netwatch.webconfig"):
        assert source.reload() is False
    assert "turning TLS on needs a restart of netwatch" in caplog.text
    assert source.current().tls is None and source.server_ssl_context() is None


def test_a_lan_listener_never_loses_its_auth_on_reload(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = users_file(tmp_path, "s3cret")
    source = WebConfigSource(path, require_secured=True)
    write_web_config(tmp_path, "# editor truncated the file\n")
    with caplog.at_level(logging.WARNING, logger="netwatch.webconfig"):
        assert source.reload() is False
    assert "neither TLS nor basic auth" in caplog.text
    assert source.current().secured and not source.current().authorize(None)
    loopback = WebConfigSource(users_file(tmp_path, "s3cret"))
    write_web_config(tmp_path, "# loopback only: auth may go\n")
    assert loopback.reload() is True and not loopback.current().secured


def test_a_changed_key_file_alone_triggers_a_reload(pki: PKI) -> None:
    source = WebConfigSource(write_web_config(pki.directory, tls_section()), interval=0)
    first = source.current()
    pki.ca.issue("server")
    assert source.current() is not first
    assert source.current() is source.current()
