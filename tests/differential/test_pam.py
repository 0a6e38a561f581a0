"""PAM stacks as netwatch reads them against libpam 1.5.2 itself (pamtester, Debian 12).

Each corpus case (tests/differential/corpus/pam/, first line ``# probes: ...``) holds
files to write into a copy of the programs root (``=== /etc/pam.d/nwtest``) or to
remove (``=== absent /etc/pam.d``); every other file is Debian's stock one. Then
``pamtester nwtest USER authenticate`` runs chrooted there for two accounts made with
the root's own useradd/chpasswd/passwd -d: ``nwempty`` (empty password field) and
``nwpass`` (password ``secret``, typed at every prompt).

libpam's answer is the message pamtester prints (``successfully authenticated``, the
failure's ``pam_strerror``, ``Initialization failure`` when ``pam_start`` refuses the
service, a crash) and the words the ``pam_echo`` rules printed, in order. netwatch's
answer is :func:`~netwatch.posture.parsers.pam.load_pam_stack` run by
:func:`~netwatch.posture.parsers.pam.evaluate`, with what each module returns in this
root (:func:`outcome`).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader
from netwatch.posture.parsers.pam import PamRule, evaluate, load_pam_stack
from tests.helpers.roots import in_root

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parent / "corpus" / "pam"
CASES = sorted(CORPUS.glob("*.case"))
SERVICE = "nwtest"
USERS = ("nwempty", "nwpass")
PASSWORD = "secret"
TIMEOUT = 30
CRASHED = (-signal.SIGSEGV, 128 + signal.SIGSEGV)
# pam_strerror's words for the codes these stacks end with
MESSAGES = {
    "successfully authenticated": "success",
    "Permission denied": "perm_denied",
    "Authentication failure": "auth_err",
    "Module is unknown": "module_unknown",
    "User not known to the underlying authentication module": "user_unknown",
    "Initialization failure": "refused",
}
# pam_echo prints through pam_info, at most PAM_MAX_MSG_SIZE - 1 characters
ECHO_CHARS = 511
# (case, user) -> why netwatch and libpam may disagree there (none so far)
EXCEPTIONS: dict[tuple[str, str], str] = {}
# cases where libpam acts on memory it never set: netwatch must answer "undefined"
UNDEFINED = {"14-at-include-missing-first": "an @include that fails before any auth rule"}


def outcome(rule: PamRule, user: str) -> str:
    """What a module returns in this root for ``user`` (auth, first run)."""
    if rule.module in ("pam_permit", "pam_echo", "pam_rootok"):
        return "success"
    if rule.module == "pam_deny":
        return "auth_err"
    if rule.module == "pam_env":
        return "ignore"
    if rule.module == "pam_unix":
        # pam_unix matches its options as prefixes: nullok_secure and nullok\r are nullok
        empty_ok = user == "nwempty" and any(arg.startswith("nullok") for arg in rule.args)
        return "success" if user == "nwpass" or empty_ok else "auth_err"
    if rule.module == "pam_succeed_if" and rule.args[:1] == ("user",) and len(rule.args) == 3:
        matches = user == rule.args[2]
        return "success" if matches == (rule.args[1] == "=") else "auth_err"
    pytest.fail(f"{rule.source}: no outcome known for {rule.shown}")


def case_files(case: Path) -> list[tuple[str, bytes | None]]:
    """(path, contents or None to remove) of a case, in order."""
    entries: list[tuple[str, bytes | None]] = []
    for line in case.read_bytes().splitlines(keepends=True)[1:]:
        if line.startswith(b"=== "):
            header = line[4:].decode().strip()
            absent = header.startswith("absent ")
            entries.append((header.removeprefix("absent ").strip(), None if absent else b""))
        else:
            assert entries, f"{case.name}: text before the first === header"
            path, data = entries[-1]
            assert data is not None, f"{case.name}: text under an absent header"
            entries[-1] = (path, data + line)
    return entries


@pytest.fixture(scope="module")
def root(programs_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the programs root with the two accounts; its /etc/pam.d saved to restore."""
    copy = tmp_path_factory.mktemp("pam") / "root"
    subprocess.run(["cp", "-a", str(programs_root), str(copy)], check=True, timeout=TIMEOUT * 4)
    for argv, stdin in (
        (("useradd", "-M", "nwempty"), None),
        (("useradd", "-M", "nwpass"), None),
        (("passwd", "-d", "nwempty"), None),
        (("chpasswd",), f"nwpass:{PASSWORD}\n"),
    ):
        done = subprocess.run(
            in_root(copy, *argv), input=stdin, capture_output=True, text=True, timeout=TIMEOUT
        )
        assert done.returncode == 0, f"{argv}: {done.stderr}"
    shutil.copytree(copy / "etc" / "pam.d", copy / "saved-pam.d", symlinks=True)
    return copy


def _install(root: Path, case: Path) -> None:
    for place in ("etc/pam.d", "usr/lib/pam.d", "etc/pam.conf"):
        target = root / place
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
    shutil.copytree(root / "saved-pam.d", root / "etc" / "pam.d", symlinks=True)
    for path, data in case_files(case):
        target = root / path.lstrip("/")
        if data is None:
            if target.is_dir():
                shutil.rmtree(target)
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def libpam(root: Path, user: str) -> tuple[str, list[str]]:
    """pamtester's verdict (a code, or ``refused`` when pam_start fails or libpam crashes) and the pam_echo words."""
    run = subprocess.run(
        in_root(root, "pamtester", SERVICE, user, "authenticate"),
        input=f"{PASSWORD}\n".encode() * 16,
        capture_output=True,
        timeout=TIMEOUT,
    )
    if run.returncode in CRASHED:
        return "refused", []
    out, err = run.stdout.decode(errors="replace"), run.stderr.decode(errors="replace")
    # prompts ("Password: ") end without a newline, so pamtester's words may follow one
    said = [
        line.split("pamtester: ", 1)[1].strip()
        for line in (out + err).split("\n")
        if "pamtester: " in line
    ]
    assert said, f"pamtester said nothing: {out!r} {err!r}"
    assert said[-1] in MESSAGES, f"unknown pamtester answer {said[-1]!r}"
    echoes = [line for line in out.split("\n")[:-1] if not line.startswith("pamtester: ")]
    return MESSAGES[said[-1]], echoes


def netwatch(root: Path, user: str) -> tuple[str, list[str]]:
    stack = load_pam_stack(FileReader(root), SERVICE, "auth")
    decision = evaluate(stack, lambda rule: outcome(rule, user))
    echoes = [
        " ".join(rule.args)[:ECHO_CHARS] for rule in decision.called if rule.module == "pam_echo"
    ]
    return decision.status, echoes


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert case.read_bytes().startswith(b"# probes: "), case.name


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_libpam_runs_the_stack_netwatch_reads(root: Path, case: Path, user: str) -> None:
    _install(root, case)
    real = libpam(root, user)
    ours = netwatch(root, user)
    if case.stem in UNDEFINED:
        assert ours[0] == "undefined", f"{case.stem}: netwatch {ours}, libpam {real}"
        return
    if (case.stem, user) in EXCEPTIONS:
        assert ours != real, f"{case.stem} agrees now for {user}: drop it from EXCEPTIONS"
        return
    assert ours == real, f"{case.stem} as {user}: netwatch {ours}, libpam {real}"
