"""sudoers verdicts against sudo 1.9.13 itself, in a copy of the cached Debian 12 root.

Each case of corpus/sudoers/ (a YAML file: what it probes, the files to write, their
modes and owners, the host's name and /etc/hosts lines) is installed over Debian's stock sudoers. For four
users, sudo answers two questions:

- may the user run any command as root at all: ``sudo -l -U user -u root /usr/bin/id -u``
  run by root (exit 0 when allowed; no password involved);
- without a password: ``runuser -u user -- sudo -n -u root /usr/bin/id -u`` prints 0.

``/usr/bin/id`` is named by no case, so it stands for "any command". sudo runs in its own
UTS namespace whose host name is the case's /etc/hostname, as on the imaged host.
netwatch answers with ``posture.parsers.sudoers`` and the ``linux.accounts.sudo_nopasswd``
check; ``visudo -c`` says whether the parser must report something as refused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks.linux.accounts import sudo_nopasswd
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Status
from netwatch.posture.parsers.sudoers import SudoUser, load_sudoers, sudo_hostname
from tests.helpers.roots import in_root

CORPUS = Path(__file__).parent / "corpus" / "sudoers"
CASES = sorted(CORPUS.glob("*.yaml"))
GROUPS = {"ops": 2601, "admins": 2602}
USERS = {
    "alice": (1600, "sudo"),
    "bob": (1601, "ops"),
    "carol": (1602, ""),
    "dave": (1603, "ops,admins"),
}
HOSTNAME = "office01"
TIMEOUT = 60
SET_HOSTNAME = (
    "import os, socket, sys; socket.sethostname(sys.argv[1]); os.execv(sys.argv[2], sys.argv[2:])"
)
GRANT = re.compile(r"\(([^()]*): any command as root, no password[^()]*\)$")

EXCEPTIONS: dict[tuple[str, str, str], str] = {}
"""(case, user or "-", what) -> why netwatch and sudo may disagree there."""


@dataclass(frozen=True)
class Answer:
    """Whether a user may run any command as root, and whether without a password."""

    allowed: bool
    nopasswd: bool


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def as_host(root: Path, hostname: str, *argv: str) -> list[str]:
    """argv running ``argv`` in ``root`` on a host named ``hostname`` (own UTS namespace)."""
    unshare = shutil.which("unshare")
    assert unshare
    return [
        unshare,
        "--uts",
        "--",
        sys.executable,
        "-c",
        SET_HOSTNAME,
        hostname,
        *in_root(root, *argv),
    ]


@pytest.fixture(scope="module")
def sudo_root(programs_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The programs root under a writable overlay (the cache stays as it is), with the users.

    An overlay rather than a copy: the 154 MB copy per session was more than the shared
    disk had free, and the overlay holds only what the tests write.
    """
    base = tmp_path_factory.mktemp("sudoers")
    upper, work, copy = base / "upper", base / "work", base / "root"
    for folder in (upper, work, copy):
        folder.mkdir()
    options = f"lowerdir={programs_root},upperdir={upper},workdir={work}"
    subprocess.run(
        ["mount", "-t", "overlay", "overlay", "-o", options, str(copy)], check=True, timeout=TIMEOUT
    )
    try:
        for group, gid in GROUPS.items():
            subprocess.run(
                in_root(copy, "groupadd", "-g", str(gid), group), check=True, timeout=TIMEOUT
            )
        for user, (uid, groups) in USERS.items():
            extra = ["-G", groups] if groups else []
            argv = in_root(copy, "useradd", "-m", "-u", str(uid), *extra, user)
            subprocess.run(argv, check=True, timeout=TIMEOUT)
        yield copy
    finally:
        subprocess.run(["umount", str(copy)], check=True, timeout=TIMEOUT)


def account(root: Path, name: str) -> SudoUser:
    """The user as ``id`` in the root sees them."""
    ids = run(in_root(root, "id", "-u", name)).stdout.split()
    gids = run(in_root(root, "id", "-G", name)).stdout.split()
    groups = run(in_root(root, "id", "-Gn", name)).stdout.split()
    return SudoUser(name, int(ids[0]), frozenset(groups), frozenset(int(g) for g in gids))


def install(root: Path, stock: Path, case: dict[str, Any]) -> str:
    """Write the case over the stock sudoers; the host name it sets."""
    for name in (root / "etc/sudoers.d").iterdir():
        if name.name != "README":
            name.unlink()
    for leftover in (root / "etc").glob("sudoers.local*"):
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    shutil.copyfile(stock / "etc/sudoers", root / "etc/sudoers")
    written = [root / "etc/sudoers"]
    for path, text in case["files"].items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    for target in written:
        mode = int(case.get("modes", {}).get(str(target.relative_to(root)), "0440"), 8)
        uid, gid = case.get("owners", {}).get(str(target.relative_to(root)), [0, 0])
        target.chmod(mode)
        os.chown(target, uid, gid)
    hostname = str(case.get("hostname", HOSTNAME))
    (root / "etc/hostname").write_text(hostname + "\n", encoding="utf-8")
    names = case.get("hosts", f"127.0.1.1 {hostname}\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n" + names, encoding="utf-8")
    return hostname


def sudo_answer(root: Path, hostname: str, user: str) -> Answer:
    listed = run(
        as_host(root, hostname, "sudo", "-l", "-U", user, "-u", "root", "/usr/bin/id", "-u")
    )
    ran = run(
        as_host(
            root,
            hostname,
            "runuser",
            "-u",
            user,
            "--",
            "sudo",
            "-n",
            "-u",
            "root",
            "/usr/bin/id",
            "-u",
        )
    )
    return Answer(listed.returncode == 0, ran.returncode == 0 and ran.stdout.strip() == "0")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_sudoers_verdicts_agree_with_sudo(sudo_root: Path, programs_root: Path, path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    hostname = install(sudo_root, programs_root, case)
    files = FileReader(sudo_root)
    policy = load_sudoers(files, sudo_hostname(files))
    root = account(sudo_root, "root")
    found: dict[tuple[str, str, str], str] = {}
    answers = {user: sudo_answer(sudo_root, hostname, user) for user in USERS}
    for user, theirs in answers.items():
        verdict = policy.root_verdict(account(sudo_root, user), root)
        ours = Answer(verdict.allowed, verdict.nopasswd)
        if ours != theirs:
            found[(path.stem, user, "verdict")] = f"sudo {theirs}, netwatch {ours}"
    outcome = sudo_nopasswd(
        CheckContext(HostAccess(files=files, registry=None, live=False), "linux")
    )
    flagged = {
        label
        for evidence in outcome.evidence
        if outcome.status is Status.failed and (m := GRANT.search(str(evidence.observed)))
        for label in m.group(1).split(", ")
    }
    expected = {user for user, answer in answers.items() if answer.nopasswd}
    if flagged & set(USERS) != expected:
        found[(path.stem, "-", "check")] = (
            f"sudo: {sorted(expected)}, check: {sorted(flagged & set(USERS))}"
        )
    visudo = run(as_host(sudo_root, hostname, "visudo", "-c"))
    if (visudo.returncode != 0) != bool(policy.refused):
        found[(path.stem, "-", "refused")] = (
            f"visudo -c: {visudo.stderr.strip()!r}, netwatch: {policy.refused}"
        )
    listed = {k: v for k, v in EXCEPTIONS.items() if k[0] == path.stem}
    unexplained = {k: v for k, v in found.items() if k not in listed}
    stale = sorted(set(listed) - set(found))
    assert not unexplained, f"{case['probes']}: {unexplained}"
    assert not stale, f"EXCEPTIONS no longer needed: {stale}"


def test_corpus_size() -> None:
    assert len(CASES) >= 40
