"""netwatch's sshd_config parser against the real sshd: OpenSSH 9.2 (Debian 12) and 8.4 (Debian 11).

Each case in corpus/sshd/ is an sshd_config (its first line says what it probes),
optionally followed by more files of the image:

    --- /etc/ssh/sshd_config.d/10-a.conf        the lines below are that file
    --- /etc/ssh/sshd_config.d/20.conf -> /opt/ssh/20.conf   an (absolute) symlink

The case is installed in a copy of the programs root, ``sshd -T -C ...`` prints the
effective configuration for each connection in CONNECTIONS, and netwatch's parser, reading
the same copy through FileReader (so absolute symlinks resolve inside the image), must
give the same values for the keywords the SSH checks use, and refuse exactly the
configurations sshd refuses. Every case runs on both versions, each parsed with that
version's semantics (8.4: ChallengeResponseAuthentication, older default algorithms). A disagreement fails the case unless EXCEPTIONS lists it
with its reason; a listed case that agrees fails too (the table must stay true).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netwatch.hostaccess import FileReader
from netwatch.posture.parsers.sshd import Connection, SshdConfig, load_sshd_config, user_groups
from tests.helpers.roots import in_root

CORPUS = Path(__file__).parent / "corpus" / "sshd"
CASES = sorted(CORPUS.glob("*.conf"))
KEYWORDS = (
    "permitrootlogin",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "permitemptypasswords",
    "usepam",
    "pubkeyauthentication",
    "authenticationmethods",
    "ciphers",
    "macs",
    "kexalgorithms",
    "maxauthtries",
    "clientaliveinterval",
    "clientalivecountmax",
    "x11forwarding",
    "disableforwarding",
    "banner",
)
# Keywords sshd -T prints once per word (none when unset); compared as the whole list.
LIST_KEYWORDS = ("allowusers", "denyusers", "allowgroups", "denygroups")
CONNECTIONS = (
    Connection("root", "h1.example", "10.0.0.1", "10.0.0.254", 22),
    Connection("alice", "ws1.office.lan", "192.168.1.10", "192.168.1.1", 22),
    Connection("bob", "203.0.113.5", "203.0.113.5", "198.51.100.1", 2222),
    Connection("backup", "nas.office.lan", "10.20.3.4", "10.20.0.1", 22),
    Connection("ghost", "v6.example", "2001:db8::5", "2001:db8::1", 22),
)
# Users and groups the Match Group cases use, added to the copy of the root.
USERS = "alice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n"
GROUPS = "alice:x:1000:\nbob:x:1001:\nsftponly:x:1002:bob\nadmins:x:1003:alice,root\n"
# OpenSSH 8.4 prints ChallengeResponseAuthentication too (8.7 made it an alias).
KEYWORDS_84 = ("challengeresponseauthentication",)
VERSIONS = {"openssh9.2": (9, 2), "openssh8.4": (8, 4)}
# case file name -> why netwatch and sshd disagree there (none known today).
EXCEPTIONS: dict[str, str] = {}
TIMEOUT = 10


@dataclass(frozen=True)
class Case:
    """One corpus entry: the main file and the other files or symlinks it installs."""

    main: str
    files: dict[str, str]
    links: dict[str, str]


def read_case(path: Path) -> Case:
    sections: list[tuple[str, list[str]]] = [("/etc/ssh/sshd_config", [])]
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("--- "):
            sections.append((line[4:].strip(), []))
        else:
            sections[-1][1].append(line)
    files: dict[str, str] = {}
    links: dict[str, str] = {}
    for header, lines in sections:
        name, arrow, target = header.partition(" -> ")
        if arrow:
            links[name] = target
        else:
            files[name] = "\n".join(lines)
    return Case(files.pop("/etc/ssh/sshd_config"), files, links)


def replace(path: Path, data: bytes) -> None:
    """Write a file of the image copy as a new inode: never through a hard link to the cache."""
    path.unlink(missing_ok=True)
    path.write_bytes(data)


@dataclass(frozen=True)
class Image:
    """A copy of a root with an sshd of ``version``."""

    root: Path
    version: tuple[int, int]


@pytest.fixture(scope="module", params=sorted(VERSIONS))
def image(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Image]:
    """A hard-linked copy of the programs root (9.2) or the OpenSSH 8.4 root (no disk used
    for file contents) with /run/sshd and the test users; files are only ever replaced,
    never written in place."""
    fixture = "programs_root" if request.param == "openssh9.2" else "openssh84_root"
    source: Path = request.getfixturevalue(fixture)
    root = tmp_path_factory.mktemp("sshd") / "root"
    subprocess.run(["cp", "-al", str(source), str(root)], check=True, timeout=120)
    (root / "run/sshd").mkdir(parents=True, exist_ok=True)
    for name, extra in (("etc/passwd", USERS), ("etc/group", GROUPS)):
        replace(root / name, (root / name).read_bytes() + extra.encode())
    yield Image(root, VERSIONS[request.param])
    shutil.rmtree(root)


@pytest.fixture
def installed(image: Image, request: pytest.FixtureRequest) -> Iterator[Image]:
    """The case of the test installed in the image, removed afterwards."""
    case = read_case(request.param)
    image_root = image.root
    made: list[Path] = []
    main = image_root / "etc/ssh/sshd_config"
    original = main.read_bytes()
    replace(main, case.main.encode())
    for name, text in case.files.items():
        made.append(image_root / name.lstrip("/"))
        made[-1].parent.mkdir(parents=True, exist_ok=True)
        replace(made[-1], text.encode())
    for name, target in case.links.items():
        made.append(image_root / name.lstrip("/"))
        made[-1].parent.mkdir(parents=True, exist_ok=True)
        made[-1].symlink_to(target)
    try:
        yield image
    finally:
        replace(main, original)
        for path in reversed(made):
            path.unlink()
        for extra in ("opt/ssh", "etc/ssh/extra", "etc/ssh/conf.d"):
            shutil.rmtree(image_root / extra, ignore_errors=True)
        for leftover in (image_root / "etc/ssh/sshd_config.d").iterdir():
            leftover.unlink()


def spec(connection: Connection) -> str:
    return (
        f"user={connection.user},host={connection.host},addr={connection.addr},"
        f"laddr={connection.laddr},lport={connection.lport}"
    )


def keywords(version: tuple[int, int]) -> tuple[str, ...]:
    return KEYWORDS + KEYWORDS_84 if version < (8, 7) else KEYWORDS


def sshd_view(image: Image, connection: Connection) -> dict[str, str] | str:
    """``sshd -T`` for a connection: the keywords, or sshd's complaint when it refuses."""
    done = subprocess.run(
        in_root(image.root, "/usr/sbin/sshd", "-T", "-C", spec(connection)),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        return done.stderr.strip() or f"exit {done.returncode}"
    values: dict[str, str] = dict.fromkeys(LIST_KEYWORDS, "")
    for line in done.stdout.splitlines():
        keyword, _, value = line.partition(" ")
        if keyword in keywords(image.version):
            values[keyword] = "prohibit-password" if value == "without-password" else value
        elif keyword in LIST_KEYWORDS:
            values[keyword] = f"{values[keyword]} {value}".lstrip()
    return values


def netwatch_view(config: SshdConfig, image: Image, connection: Connection) -> dict[str, str]:
    assert connection.user is not None
    full = Connection(
        connection.user,
        connection.host,
        connection.addr,
        connection.laddr,
        connection.lport,
        groups=user_groups(FileReader(image.root), connection.user),
    )
    values = {}
    for keyword in keywords(image.version):
        value = config.setting(keyword, full).value
        joiner = "," if keyword in ("ciphers", "macs", "kexalgorithms") else " "
        values[keyword] = joiner.join(value)
    for keyword in LIST_KEYWORDS:
        values[keyword] = " ".join(config.listed(keyword, full).value)
    return values


def disagreements(image: Image) -> list[str]:
    config = load_sshd_config(FileReader(image.root), image.version)
    assert config is not None
    found: list[str] = []
    for connection in CONNECTIONS:
        real = sshd_view(image, connection)
        if isinstance(real, str):
            if not config.refused:
                found.append(f"sshd refuses ({real}); netwatch accepts")
            break  # a refused config is refused for every connection
        if config.refused:
            found.append(f"netwatch refuses ({config.refused}); sshd accepts")
            break
        ours = netwatch_view(config, image, connection)
        found += [
            f"{connection.user}: {keyword}: sshd {real.get(keyword)!r}, netwatch {ours[keyword]!r}"
            for keyword in (*keywords(image.version), *LIST_KEYWORDS)
            if real.get(keyword) != ours[keyword]
        ]
    return found


def test_corpus_is_large_and_documented() -> None:
    assert len(CASES) >= 80
    for path in CASES:
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name}: say what it probes"
    assert set(EXCEPTIONS) <= {path.name for path in CASES}


@pytest.mark.parametrize("installed", CASES, ids=[p.stem for p in CASES], indirect=True)
def test_parser_agrees_with_sshd(installed: Image, request: pytest.FixtureRequest) -> None:
    name = request.node.callspec.params["installed"].name
    found = disagreements(installed)
    if name in EXCEPTIONS:
        assert found, f"{name} is listed in EXCEPTIONS but now agrees: remove it"
    else:
        assert not found, "\n".join(found)
