"""``netwatch web-config check`` and ``netwatch hash-password``, in process and as programs."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import bcrypt
from typer.testing import CliRunner

from netwatch.cli.app import app
from tests.helpers.webconfig import PKI, cheap_hash, tls_section, write_web_config

runner = CliRunner()


def test_check_summarises_a_valid_file(pki: PKI) -> None:
    text = tls_section(
        "RequireAndVerifyClientCert",
        extra=f"basic_auth_users:\n  prometheus: '{cheap_hash('pw')}'\n"
        "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n",
    )
    path = write_web_config(pki.directory, text)
    result = runner.invoke(app, ["web-config", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{path}: OK",
        f"  TLS: on (TLS12 to TLS13), certificate {pki.server.cert}",
        "  client certificates: RequireAndVerifyClientCert",
        "  basic auth: 1 user(s)",
        "  extra headers: 1",
    ]


def test_check_without_tls(tmp_path: Path) -> None:
    result = runner.invoke(app, ["web-config", "check", str(write_web_config(tmp_path, ""))])
    assert result.exit_code == 0
    assert "TLS: off" in result.output and "basic auth: off" in result.output


def test_check_lists_every_problem_with_exit_2(pki: PKI) -> None:
    text = tls_section().replace("server.key", "missing.key") + "basic_auth_users:\n  a: pw\n"
    path = write_web_config(pki.directory, text)
    result = subprocess.run(
        [sys.executable, "-m", "netwatch", "web-config", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"netwatch: config error: {path}: line 6: basic_auth_users.a: is not a bcrypt hash; "
        "make one with 'netwatch hash-password'"
    ]
    path.write_text(tls_section().replace("server.key", "missing.key"))
    result = runner.invoke(app, ["web-config", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}: line 3: tls_server_config.key_file: cannot read " in result.output
    assert "Traceback" not in result.output


def test_check_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["web-config", "check", str(tmp_path / "absent.yml")])
    assert result.exit_code == 2 and "cannot read file" in result.output


def test_hash_password_reads_one_line_of_stdin() -> None:
    result = runner.invoke(app, ["hash-password", "--cost", "4"], input="s3cret\nsecond line\n")
    assert result.exit_code == 0, result.output
    hashed = result.output.strip()
    assert hashed.startswith("$2b$04$") and "s3cret" not in result.output
    assert bcrypt.checkpw(b"s3cret", hashed.encode())


def test_hash_password_default_cost_is_10() -> None:
    result = runner.invoke(app, ["hash-password"], input="pw")
    assert result.exit_code == 0 and result.output.startswith("$2b$10$")


def test_hash_password_refuses_empty_long_and_bad_cost() -> None:
    empty = runner.invoke(app, ["hash-password"], input="\n")
    assert empty.exit_code == 2 and "the password is empty" in empty.output
    long = runner.invoke(app, ["hash-password"], input="x" * 80 + "\n")
    assert long.exit_code == 2 and "longer than 72 bytes" in long.output
    assert "xxxx" not in long.output
    for cost in ("3", "16"):
        assert runner.invoke(app, ["hash-password", "--cost", cost], input="pw\n").exit_code == 2


def _on_a_terminal(*answers: str) -> tuple[int, str]:
    """Run ``netwatch hash-password --cost 4`` on a pseudo-terminal, typing ``answers``."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "netwatch", "hash-password", "--cost", "4"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,  # no controlling terminal: getpass uses stdin, our pty
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    for asked, answer in enumerate(answers, start=1):
        deadline = time.monotonic() + 30
        while seen.count(b"assword: ") < asked:
            assert time.monotonic() < deadline, seen
            seen += os.read(leader, 1024)
        os.write(leader, answer.encode() + b"\n")
    process.wait(30)
    try:
        while chunk := os.read(leader, 1024):
            seen += chunk
    except OSError:  # the terminal is gone once the program has exited
        pass
    os.close(leader)
    return process.returncode, seen.decode()


def test_hash_password_asks_twice_on_a_terminal_without_echo() -> None:
    code, screen = _on_a_terminal("tty-secret", "tty-secret")
    assert code == 0, screen
    assert "Password: " in screen and "Repeat password: " in screen
    assert "tty-secret" not in screen  # not echoed, not printed
    hashed = screen.strip().splitlines()[-1].strip()
    assert bcrypt.checkpw(b"tty-secret", hashed.encode())


def test_hash_password_on_a_terminal_refuses_a_mismatch() -> None:
    code, screen = _on_a_terminal("one", "two")
    assert code == 2 and "the passwords do not match" in screen


def test_help_lists_the_commands_without_loading_them() -> None:
    result = runner.invoke(app, ["--help"])
    assert "web-config" in result.output and "hash-password" in result.output
    code = (
        "import sys\nfrom netwatch.cli.app import app\n"
        "print([m for m in ('bcrypt', 'netwatch.webconfig') if m in sys.modules])\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert loaded.stdout.strip() == "[]", loaded.stderr
