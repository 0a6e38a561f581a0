"""sshd_config read as OpenSSH's sshd reads it, to answer "what does sshd do for this
connection?" (checked against the real sshd 9.2 and 8.4 in tests/differential/test_sshd.py).

Two families of semantics, chosen by the OpenSSH version (``version``, e.g. ``(9, 2)``):
8.7 and later (Debian 12: 9.2) and before 8.7 (Debian 11: 8.4). Older versions are read
as 8.4 (Include, for one, only exists from 8.2).

Lines (servconf.c):

- Trailing spaces, tabs, CR and form feeds are dropped. The keyword ends at a space, tab,
  ``"`` or ``=``; one ``=`` (with spaces around it) may separate it from the arguments.
  A keyword starting with ``#`` makes the line a comment; keywords ignore case.
- A keyword with nothing after it, an unknown keyword, a value sshd does not accept, an
  extra argument after a one-value keyword or unbalanced quotes make sshd refuse the
  whole configuration (it exits at start-up, ``sshd -t`` fails). Values are checked on
  every line, also on lines sshd then ignores (inside a Match block that does not match,
  after an earlier value). Values are checked here for the keywords the posture checks
  judge and the yes/no switches; other keywords only for being known and allowed where
  they stand.
- 8.7+: arguments are split like a shell word list (``argv_split``): ``"`` and ``'``
  quote, also in the middle of a word (``a"b c"`` is ``ab c``), a backslash escapes a
  quote, a backslash or a space, and a ``#`` at the start of a word ends the line (a
  comment after the value). Before 8.7 every line is cut at its first ``#``, wherever it
  stands, quotes included (``load_server_config``), so ``PermitRootLogin no#old`` is
  ``no`` and ``PermitRootLogin "no # x"`` an open quote; only ``"`` quotes a whole word,
  and an empty first word (``PermitRootLogin==no``) is a missing argument.

Values: for nearly every keyword the FIRST value sshd reads is kept; later lines are
ignored (but still checked). Keywords holding lists (AcceptEnv, AllowUsers, ...) add up.
AllowUsers, DenyUsers, AllowGroups and DenyGroups (:meth:`SshdConfig.listed`): every
word of every line is kept, in order; for a connection, the words of all the Match
blocks it matches (``Match all`` included) replace the global list when there are any,
else the global list holds (so global lines are overridden by a ``Match all`` list).
A user pattern whose ``@`` address part is an invalid address list (an empty entry,
``10.0.0.1/8``, ``10.0.0.0/33``) and an empty group pattern are refused.

Numbers: MaxAuthTries and ClientAliveCountMax as ``strtonum(0, INT_MAX)`` reads them
(``+5`` is 5, ``4x`` and ``-1`` are refused); ClientAliveInterval as ``convtime``
(``300``, ``5m``, ``1h30m``; a bare number is seconds), normalised to seconds as
``sshd -T`` prints them. Banner: ``none`` (any case) is no banner; ``~/`` is root's
home (sshd runs as root); a relative path is taken from sshd's working directory ``/``
(``sshd -T`` prints ``//issue.net``).

Include: each argument is a glob(3) pattern, relative to /etc/ssh unless absolute; the
matches are read in sorted order where the Include line stands; a pattern that matches
nothing is fine, a matching file that cannot be read is not (sshd exits; here an
:class:`UnreadableSshdFile`). Nesting deeper than 16 includes (a file including itself)
is refused. Paths, symlinks included, resolve through the host's :class:`Files`, so
under ``--root`` an absolute symlink names a file of the image.

Match: a ``Match`` line starts a block that lasts until the next ``Match`` line or the
end of the file it is in (a Match opened in an included file ends with that file; an
Include inside a Match block applies only when that block matches, and its own Match
blocks only when both match). sshd reads the configuration twice:

1. the global values: lines outside any Match block, and after ``Match all``;
   only keywords allowed in a Match block may appear inside one that is not ``all``;
2. for a connection (user, host, address, local address and port): the first value of
   a keyword in the Match blocks that match it replaces the global value.

Criteria: ``User``, ``Group`` (the user's primary and supplementary groups from the
image's /etc/passwd and /etc/group; a user that does not exist matches no Group),
``Host``, ``Address``, ``LocalAddress``, ``LocalPort``, ``RDomain``, each a comma list
of patterns (``*``, ``?``, ``!`` negation; addresses also CIDR; a list with only negated
patterns matches nothing); all criteria of a line must hold; ``all`` stands alone.
An unknown criterion, a missing argument or an invalid address list is refused.
Checks that ask "for any connection" evaluate a criterion on an unknown field as
"may match" (:meth:`SshdConfig.possible`).

Built-in defaults are those of the version (``sshd -T`` of Debian's build): root may
log in with a key (``prohibit-password``, printed ``without-password``), passwords and
keyboard-interactive on, UsePAM off (Debian's shipped file turns it on), and the
Ciphers, MACs and KexAlgorithms default lists, so a file that writes a default out is
read the same as one that leaves it. ``+list`` appends to the default list, ``-list``
removes names matching its patterns (removing them all leaves the default, as
``sshd -T`` shows), ``^list`` puts the names first; names must be algorithms sshd
supports, except in a ``-`` list.

Passwords through keyboard-interactive (PAM): 8.7+ ``KbdInteractiveAuthentication``
(``ChallengeResponseAuthentication`` is another spelling of it) with UsePAM.
Before 8.7 the two are separate: PAM asks for a password only when
``ChallengeResponseAuthentication`` (global, default yes) is on, whatever
``KbdInteractiveAuthentication`` (default no) says; sshd then also turns the global
KbdInteractiveAuthentication on (a Match block's value still replaces it). 8.4 knows no
sntrup761x25519 key exchange (8.5) and no S/Key (``SKeyAuthentication`` is ignored).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import socket
from dataclasses import dataclass, field

from netwatch.hostaccess import Files
from netwatch.hostaccess.confine import os_problem
from netwatch.i18n import Message, msg
from netwatch.posture.parsers.pathglob import MAGIC, expand

SSHD_CONFIG = "/etc/ssh/sshd_config"
SSH_DIR = "/etc/ssh"
MAX_DEPTH = 16
# Files read in all: includes that fan out (each file including a directory twice) would
# otherwise be read 2**16 times within the depth limit.
MAX_FILES_READ = 4096
DEFAULT_VERSION = (9, 2)
_WHITESPACE = " \t\r\n"


def _words(text: str) -> list[str]:
    """The words of a keyword table written as text."""
    return text.split()


# Keywords sshd 9.2 (Debian) knows, and whether a Match block may hold them.
_MATCH_KEYWORDS = frozenset(
    _words(
        """acceptenv allowagentforwarding allowgroups allowstreamlocalforwarding
    allowtcpforwarding allowusers authenticationmethods authorizedkeyscommand
    authorizedkeyscommanduser authorizedkeysfile authorizedkeysfile2
    authorizedprincipalscommand authorizedprincipalscommanduser authorizedprincipalsfile
    banner casignaturealgorithms challengeresponseauthentication channeltimeout
    chrootdirectory clientalivecountmax clientaliveinterval denygroups denyusers
    disableforwarding exposeauthinfo forcecommand gatewayports gssapiauthentication
    hostbasedacceptedalgorithms hostbasedacceptedkeytypes hostbasedauthentication
    hostbasedusesnamefrompacketonly ignorerhosts include ipqos kbdinteractiveauthentication
    kerberosauthentication loglevel logverbose match maxauthtries maxsessions
    passwordauthentication permitemptypasswords permitlisten permitopen permitrootlogin
    permittty permittunnel permituserrc pubkeyacceptedalgorithms pubkeyacceptedkeytypes
    pubkeyauthentication pubkeyauthoptions rdomain rekeylimit requiredrsasize revokedkeys
    rhostsrsaauthentication rsaauthentication setenv skeyauthentication streamlocalbindmask
    streamlocalbindunlink trustedusercakeys unusedconnectiontimeout x11displayoffset
    x11forwarding x11uselocalhost"""
    )
)
_GLOBAL_KEYWORDS = frozenset(
    _words(
        """addressfamily afstokenpassing ciphers compression debianbanner dsaauthentication
    fingerprinthash gssapicleanupcredentials gssapicleanupcreds gssapikexalgorithms
    gssapikeyexchange gssapistorecredentialsonrekey gssapistrictacceptorcheck
    gssapiusesessioncredcache gssusesessionccache hostcertificate hostdsakey hostkey
    hostkeyagent hostkeyalgorithms ignoreuserknownhosts kerberosgetafstoken
    kerberosorlocalpasswd kerberostgtpassing kerberosticketcleanup keepalive
    keyregenerationinterval kexalgorithms listenaddress logingracetime macs maxstartups
    modulifile pamauthenticationviakbdint permitblacklistedkeys permituserenvironment
    persourcemaxstartups persourcenetblocksize pidfile port printlastlog printmotd protocol
    reversemappingcheck rhostsauthentication securitykeyprovider serverkeybits strictmodes
    subsystem syslogfacility tcpkeepalive usedns uselogin usepam useprivilegeseparation
    verifyreversemapping versionaddendum xauthlocation"""
    )
)
# Added after 8.4 (or renamed: the *keytypes spellings are 8.4's).
_NEWER_THAN_84 = frozenset(
    _words(
        """channeltimeout hostbasedacceptedalgorithms pubkeyacceptedalgorithms requiredrsasize
    unusedconnectiontimeout"""
    )
)
# Other spellings of one option (8.7+; before 8.7 ChallengeResponse is its own option).
_ALIASES = {
    "challengeresponseauthentication": "kbdinteractiveauthentication",
    "skeyauthentication": "kbdinteractiveauthentication",
    "dsaauthentication": "pubkeyauthentication",
    "keepalive": "tcpkeepalive",
    "hostbasedacceptedkeytypes": "hostbasedacceptedalgorithms",
    "pubkeyacceptedkeytypes": "pubkeyacceptedalgorithms",
    "gssapicleanupcreds": "gssapicleanupcredentials",
    "hostdsakey": "hostkey",
}
_ALIASES_84 = {
    "dsaauthentication": "pubkeyauthentication",
    "keepalive": "tcpkeepalive",
    "gssapicleanupcreds": "gssapicleanupcredentials",
    "hostdsakey": "hostkey",
}
# Debian's 8.4 is built without S/Key: it logs "Unsupported option" and reads on.
_UNSUPPORTED_84 = frozenset({"skeyauthentication"})
# Accepted anywhere and with anything after them: sshd only logs that they do nothing.
_OBSOLETE = frozenset(
    _words(
        """afstokenpassing authorizedkeysfile2 kerberostgtpassing keyregenerationinterval
    pamauthenticationviakbdint permitblacklistedkeys protocol reversemappingcheck
    rhostsauthentication rhostsrsaauthentication rsaauthentication serverkeybits uselogin
    useprivilegeseparation verifyreversemapping gssapiusesessioncredcache
    gssusesessionccache"""
    )
)
_FLAGS = frozenset(
    _words(
        """passwordauthentication kbdinteractiveauthentication challengeresponseauthentication
    permitemptypasswords usepam pubkeyauthentication hostbasedauthentication
    gssapiauthentication x11forwarding printmotd printlastlog strictmodes tcpkeepalive
    permittty permituserrc exposeauthinfo disableforwarding"""
    )
)
_ROOT_LOGIN = {
    "yes": "yes",
    "no": "no",
    "prohibit-password": "prohibit-password",
    "without-password": "prohibit-password",
    "forced-commands-only": "forced-commands-only",
}
ALGORITHM_KEYWORDS = ("ciphers", "macs", "kexalgorithms")
_ONE_VALUE = _FLAGS | {
    "permitrootlogin",
    *ALGORITHM_KEYWORDS,
    "port",
    "loglevel",
    "maxauthtries",
    "maxsessions",
    "banner",
    "logingracetime",
    "clientaliveinterval",
    "clientalivecountmax",
    "pidfile",
    "chrootdirectory",
}
LIST_KEYWORDS = ("allowusers", "denyusers", "allowgroups", "denygroups")
_INTEGERS = frozenset(("maxauthtries", "clientalivecountmax"))
INT_MAX = 2**31 - 1
_TIME_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NUMBER = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)")
_AUTH_METHODS = {
    "none": "",
    "publickey": "pubkeyauthentication",
    "password": "passwordauthentication",
    "keyboard-interactive": "kbdinteractiveauthentication",
    "hostbased": "hostbasedauthentication",
    "gssapi-with-mic": "gssapiauthentication",
}

_CIPHERS = (
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com"
)
_MACS = (
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"
)
_KEX_84 = (
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"
)
_KEX_92 = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com," + _KEX_84
# What sshd supports (``ssh -Q cipher|mac|kex``): names outside these are refused.
_LEGACY_KEX = (
    ",diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1"
)
_SUPPORTED_92 = {
    "ciphers": _CIPHERS + ",3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc",
    "macs": _MACS + ",hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-sha1-96-etm@openssh.com,"
    "hmac-md5-etm@openssh.com,hmac-md5-96-etm@openssh.com",
    "kexalgorithms": _KEX_92 + _LEGACY_KEX,
}
# 8.4 has no sntrup761x25519 (8.5) but the older sntrup4591761x25519 and rijndael-cbc.
_SUPPORTED_84 = {
    **_SUPPORTED_92,
    "ciphers": _SUPPORTED_92["ciphers"] + ",rijndael-cbc@lysator.liu.se",
    "kexalgorithms": _KEX_84 + _LEGACY_KEX + ",sntrup4591761x25519-sha512@tinyssh.org",
}
_COMMON_DEFAULTS = {
    "permitrootlogin": ("prohibit-password",),
    "passwordauthentication": ("yes",),
    "permitemptypasswords": ("no",),
    "usepam": ("no",),
    "authenticationmethods": ("any",),
    "pubkeyauthentication": ("yes",),
    "hostbasedauthentication": ("no",),
    "gssapiauthentication": ("no",),
    "ciphers": tuple(_CIPHERS.split(",")),
    "macs": tuple(_MACS.split(",")),
    "maxauthtries": ("6",),
    "clientaliveinterval": ("0",),
    "clientalivecountmax": ("3",),
    "x11forwarding": ("no",),
    "disableforwarding": ("no",),
    "banner": ("none",),
}
_DEFAULTS_92 = {
    **_COMMON_DEFAULTS,
    "kbdinteractiveauthentication": ("yes",),
    "kexalgorithms": tuple(_KEX_92.split(",")),
}
_DEFAULTS_84 = {
    **_COMMON_DEFAULTS,
    "kbdinteractiveauthentication": ("no",),
    "challengeresponseauthentication": ("yes",),
    "kexalgorithms": tuple(_KEX_84.split(",")),
}


class UnreadableSshdFile(Exception):
    """sshd_config or a file it includes cannot be read (sshd would exit too), or the
    includes fan out beyond what netwatch reads (MAX_FILES_READ).

    ``message`` is the cause for readers; ``str()`` its English.
    """

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


class Refused(Exception):
    """sshd would refuse the configuration: ``problem`` says where and why, in sshd's words
    (its own error, data) or netwatch's (a message)."""

    def __init__(self, problem: str | Message) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class MatchBlock:
    """One ``Match`` line: its criteria as (attribute, pattern list); none for ``all``."""

    criteria: tuple[tuple[str, str], ...]
    source: str

    @property
    def text(self) -> str:
        """The criteria as sshd understood them (``User root Address 10.0.0.0/8``)."""
        if not self.criteria:
            return "all"
        return " ".join(f"{name.capitalize()} {patterns}" for name, patterns in self.criteria)


@dataclass(frozen=True)
class Directive:
    """One ``Keyword value`` line, with the Match blocks it stands in (outermost first)."""

    keyword: str  # canonical, lower case
    name: str  # as written
    args: tuple[str, ...]
    source: str  # /etc/ssh/sshd_config.d/50-cloud.conf:3
    blocks: tuple[MatchBlock, ...] = ()

    @property
    def text(self) -> str:
        """The line as sshd understood it."""
        return " ".join((self.name, *self.args))

    @property
    def match(self) -> str:
        """The Match criteria this line depends on, '' when it is global."""
        return " and ".join(f"Match {b.text}" for b in self.blocks if b.criteria)


@dataclass(frozen=True)
class Setting:
    """The value sshd uses for a keyword, and where it comes from."""

    keyword: str
    value: tuple[str, ...]  # normalised: lower-case switches, assembled algorithm lists
    directive: Directive | None  # None: the built-in default

    @property
    def first(self) -> str:
        """The first (usually only) value."""
        return self.value[0] if self.value else ""


@dataclass(frozen=True)
class Listed:
    """The words sshd holds for a list keyword (AllowUsers, ...) and the lines they come from."""

    keyword: str
    value: tuple[str, ...]
    directives: tuple[Directive, ...]  # empty: no line sets it (no restriction)


@dataclass(frozen=True)
class Connection:
    """Who connects; None for a field means any value (for "could any connection ...")."""

    user: str | None = None
    host: str | None = None
    addr: str | None = None
    laddr: str | None = None
    lport: int | None = None
    rdomain: str | None = None
    groups: tuple[str, ...] | None = None  # the user's groups; () when the user does not exist


@dataclass(frozen=True)
class SshdConfig:
    """Every directive of the configuration in the order sshd reads them."""

    version: tuple[int, int]
    directives: tuple[Directive, ...]
    refused: str | Message | None = None  # why sshd would refuse to start with it
    files: tuple[str, ...] = ()  # files read, in order

    @property
    def _defaults(self) -> dict[str, tuple[str, ...]]:
        return _DEFAULTS_92 if self.version >= (9, 0) else _DEFAULTS_84

    def _lines(self, keyword: str) -> list[Directive]:
        return [d for d in self.directives if d.keyword == keyword]

    def global_setting(self, keyword: str) -> Setting:
        """The value outside Match blocks: the first global line, else the default."""
        for directive in self._lines(keyword):
            if all(not block.criteria for block in directive.blocks):
                return self._challenge_response(self._setting(directive))
        return self._challenge_response(Setting(keyword, self._default(keyword), None))

    def setting(self, keyword: str, connection: Connection) -> Setting:
        """The value for a connection whose every field is known (``sshd -T -C``)."""
        if keyword in _MATCH_KEYWORDS:
            for directive in self._lines(keyword):
                if directive.blocks and _chain(directive.blocks, connection, False):
                    return self._setting(directive)
        return self.global_setting(keyword)

    def _challenge_response(self, found: Setting) -> Setting:
        """Before 8.7 sshd turns the global keyboard-interactive on when
        ChallengeResponseAuthentication is on (sshd.c, after reading the configuration);
        a Match block's value still replaces it for the connections it matches."""
        if self.version >= (8, 7) or found.keyword != "kbdinteractiveauthentication":
            return found
        challenge = self.global_setting("challengeresponseauthentication")
        return challenge if challenge.first == "yes" else found

    def possible(self, keyword: str, connection: Connection) -> list[Setting]:
        """Every value some connection like ``connection`` (None fields: any) may get.

        The global value first (unless a Match block surely applies), then the values of
        Match blocks that may apply, in file order.
        """
        found: list[Setting] = []
        seen: set[tuple[MatchBlock, ...]] = set()
        if keyword in _MATCH_KEYWORDS:
            for directive in self._lines(keyword):
                if not directive.blocks or directive.blocks in seen:
                    continue
                verdict = _chain(directive.blocks, connection, None)
                if verdict is False:
                    continue
                seen.add(directive.blocks)
                found.append(self._setting(directive))
                if verdict:
                    return found
        return [self.global_setting(keyword), *found]

    def listed(self, keyword: str, connection: Connection) -> Listed:
        """A list keyword's words for a connection whose every field is known."""
        return self._listed(keyword, connection, False)

    def least_listed(self, keyword: str, connection: Connection) -> Listed:
        """The words every connection like ``connection`` (None fields: any) gets at least:
        those of the blocks that surely match it, else the global lines'."""
        return self._listed(keyword, connection, None)

    def _listed(self, keyword: str, connection: Connection, unknown: bool | None) -> Listed:
        lines = self._lines(keyword)
        chosen = [d for d in lines if d.blocks and _chain(d.blocks, connection, unknown)]
        if not chosen:
            chosen = [d for d in lines if all(not block.criteria for block in d.blocks)]
        words = tuple(word for directive in chosen for word in directive.args)
        return Listed(keyword, words, tuple(chosen))

    def may_add(self, keyword: str, connection: Connection) -> list[Directive]:
        """Lines of Match blocks that may, but need not, apply to ``connection``."""
        return [
            d
            for d in self._lines(keyword)
            if any(b.criteria for b in d.blocks) and _chain(d.blocks, connection, None) is None
        ]

    def ignored(self, keyword: str) -> list[Directive]:
        """Global lines for ``keyword`` after the one in force (sshd ignores them)."""
        lines = [d for d in self._lines(keyword) if all(not b.criteria for b in d.blocks)]
        return lines[1:]

    def _default(self, keyword: str) -> tuple[str, ...]:
        return self._defaults.get(keyword, ())

    def _setting(self, directive: Directive) -> Setting:
        keyword = directive.keyword
        if keyword in ALGORITHM_KEYWORDS:
            return Setting(keyword, _assemble(directive.args[0], self._default(keyword)), directive)
        if keyword == "permitrootlogin":
            return Setting(keyword, (_ROOT_LOGIN[directive.args[0].lower()],), directive)
        if keyword in _FLAGS:
            return Setting(keyword, (directive.args[0].lower(),), directive)
        if keyword in _INTEGERS:
            return Setting(keyword, (str(strtonum(directive.args[0])),), directive)
        if keyword == "clientaliveinterval":
            return Setting(keyword, (str(convtime(directive.args[0])),), directive)
        if keyword == "banner":
            return Setting(keyword, (banner_path(directive.args[0]),), directive)
        return Setting(keyword, directive.args, directive)


# reading -----------------------------------------------------------------------------------


def load_sshd_config(
    files: Files, version: tuple[int, int] = DEFAULT_VERSION, path: str = SSHD_CONFIG
) -> SshdConfig | None:
    """The configuration as ``version`` of sshd reads it; None when ``path`` is missing.

    Raises :class:`UnreadableSshdFile` when a file exists but cannot be read.
    """
    text = _read(files, path)
    if text is None:
        return None
    reading = _Reading(files, version)
    refused = None
    try:
        reading.parse(path, text, (), 0)
        reading.check_methods()
    except Refused as exc:
        refused = exc.problem
    return SshdConfig(version, tuple(reading.directives), refused, tuple(reading.read))


def _read(files: Files, path: str) -> str | None:
    try:
        return files.read_text(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        return ""  # sshd reads a directory as an empty file
    except OSError as exc:
        why = msg("cannot read {path}: {error}", path=path, error=os_problem(exc))
        raise UnreadableSshdFile(why) from exc


def user_groups(files: Files, user: str) -> tuple[str, ...]:
    """The groups of ``user`` (primary first) in the image; () when no such user."""
    gid = None
    for line in (files.read_text_or_none("/etc/passwd") or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] == user:
            gid = fields[3]
            break
    if gid is None:
        return ()
    primary: list[str] = []
    others: list[str] = []
    for line in (files.read_text_or_none("/etc/group") or "").splitlines():
        fields = line.split(":")
        if len(fields) < 4:
            continue
        if fields[2] == gid:
            primary.append(fields[0])
        elif user in fields[3].split(","):
            others.append(fields[0])
    return (*primary, *others)


@dataclass
class _Reading:
    """The directives read so far from one configuration."""

    files: Files
    version: tuple[int, int]
    directives: list[Directive] = field(default_factory=list)
    read: list[str] = field(default_factory=list)

    @property
    def modern(self) -> bool:
        return self.version >= (8, 7)

    def parse(self, path: str, text: str, base: tuple[MatchBlock, ...], depth: int) -> None:
        """Add the directives of ``path``; ``base``: the blocks its Include stands in."""
        if depth > MAX_DEPTH:
            raise Refused(f"{path}: too many recursive configuration includes (more than 16)")
        if len(self.read) >= MAX_FILES_READ:
            raise UnreadableSshdFile(
                msg("{path}: netwatch stops after {count} included files", path=path,
                    count=MAX_FILES_READ)
            )  # fmt: skip
        self.read.append(path)
        current: tuple[MatchBlock, ...] = ()
        errors: list[str] = []
        for number, line in enumerate(text.split("\n"), start=1):
            where = f"{path} line {number}"
            if not self.modern:
                line = line.split("#", 1)[0]
            try:
                parsed = self._line(line, where)
                if parsed is None:
                    continue
                name, rest = parsed
                keyword = self._keyword(name, where)
                blocks = base + current
                if keyword == "match":
                    current = (_match_line(rest, f"{path}:{number}", where),)
                    continue
                self._allowed(keyword, name, blocks, where)
                args = self._args(rest, where)
                if keyword == "include":
                    self._include(args, blocks, depth, where)
                    continue
                self._check(keyword, name, args, where)
                self.directives.append(
                    Directive(keyword, name, tuple(args), f"{path}:{number}", blocks)
                )
            except _BadLine as exc:
                errors.append(str(exc))
        if errors:
            raise Refused(
                msg("{first} ({count} bad configuration options in {path})", first=errors[0],
                    count=len(errors), path=path)
            )  # fmt: skip

    def _line(self, line: str, where: str) -> tuple[str, str] | None:
        """(keyword, rest) of a line; None for a blank or comment line."""
        stripped = line[:1] + line[1:].rstrip(_WHITESPACE + "\f")
        if not stripped:
            return None
        keyword, rest = _strdelim(stripped)
        if keyword == "" and rest is not None:
            keyword, rest = _strdelim(rest)
        if not keyword or keyword.startswith("#"):
            return None
        if not rest:
            raise _BadLine(f'{where}: no argument after keyword "{keyword}"')
        return keyword, rest

    def _keyword(self, name: str, where: str) -> str:
        lowered = name.lower()
        aliases = _ALIASES if self.modern else _ALIASES_84
        known = lowered in _MATCH_KEYWORDS or lowered in _GLOBAL_KEYWORDS
        if not self.modern and lowered in _NEWER_THAN_84:
            known = False
        if not known:
            raise Refused(f"{where}: Bad configuration option: {name}")
        return aliases.get(lowered, lowered)

    def _allowed(self, keyword: str, name: str, blocks: tuple[MatchBlock, ...], where: str) -> None:
        lowered = name.lower()
        in_match = lowered in _MATCH_KEYWORDS
        if not self.modern and lowered == "challengeresponseauthentication":
            in_match = False
        if not in_match and any(block.criteria for block in blocks):
            raise Refused(f"{where}: Directive '{name}' is not allowed within a Match block")

    def _args(self, rest: str, where: str) -> list[str]:
        if self.modern:
            args = argv_split(rest)
            if args is None:
                raise _BadLine(f"{where}: invalid quotes")
            return args
        words: list[str] = []
        remaining: str | None = rest
        while remaining:
            word, remaining = _strdelim(remaining)
            if word is None:
                break
            if word or not words:  # an empty first word (``==no``) is a missing argument
                words.append(word)
        return words

    def _check(self, keyword: str, name: str, args: list[str], where: str) -> None:
        if keyword in _OBSOLETE or (not self.modern and keyword in _UNSUPPORTED_84):
            return
        if not args or (keyword in _ONE_VALUE and not args[0]):
            raise Refused(f"{where}: {name} missing argument")
        if keyword in _ONE_VALUE and len(args) > 1:
            if self.modern:
                raise _BadLine(f"{where}: keyword {name} extra arguments at end of line")
            raise Refused(f'{where}: garbage at end of line; "{args[1]}"')
        value = args[0]
        if keyword in _FLAGS and value.lower() not in ("yes", "no"):
            raise Refused(f'{where}: unsupported option "{value}"')
        if keyword == "permitrootlogin" and value.lower() not in _ROOT_LOGIN:
            raise Refused(f'{where}: unsupported option "{value}"')
        if keyword in ALGORITHM_KEYWORDS:
            _check_algorithms(keyword, value, where, self.modern)
        if keyword == "authenticationmethods":
            _check_methods(args, where)
        if keyword in _INTEGERS:
            problem = _strtonum_problem(value)
            if problem:
                raise Refused(f"{where}: {name} integer value {problem}.")
        if keyword == "clientaliveinterval" and convtime(value) < 0:
            raise Refused(f"{where}: invalid time value.")
        if keyword in ("allowusers", "denyusers"):
            for pattern in args:
                if not _user_pattern_ok(pattern):
                    raise Refused(f'{where}: invalid {name} pattern: "{pattern}"')
        if keyword in ("allowgroups", "denygroups") and "" in args:
            raise Refused(f"{where}: empty {name} pattern")

    def _include(
        self, patterns: list[str], blocks: tuple[MatchBlock, ...], depth: int, where: str
    ) -> None:
        if not patterns:
            raise _BadLine(f"{where}: Include missing filename argument")
        for pattern in patterns:
            if not pattern:
                raise _BadLine(f"{where}: keyword Include empty argument")
            absolute = pattern if pattern.startswith(("/", "~")) else f"{SSH_DIR}/{pattern}"
            for path in _glob(self.files, absolute):
                text = _read(self.files, path)
                if text is None:
                    raise Refused(msg("{path}: No such file or directory (included by {where})",
                                      path=path, where=where))  # fmt: skip
                self.parse(path, text, blocks, depth + 1)

    def check_methods(self) -> None:
        """sshd exits when no global AuthenticationMethods list uses only enabled methods."""
        config = SshdConfig(self.version, tuple(self.directives))
        methods = config.global_setting("authenticationmethods")
        if methods.directive is None or methods.value == ("any",):
            return
        for chain in methods.value:
            names = [step.split(":")[0] for step in chain.split(",")]
            if all(_enabled(config, name) for name in names):
                return
        raise Refused(
            f"{methods.directive.source}: AuthenticationMethods cannot be satisfied by "
            "enabled authentication methods"
        )


class _BadLine(Exception):
    """A line sshd counts as a bad option (it reads on, then refuses the file)."""


def _enabled(config: SshdConfig, method: str) -> bool:
    switch = _AUTH_METHODS[method]
    return not switch or config.global_setting(switch).first == "yes"


def _strdelim(text: str) -> tuple[str | None, str | None]:
    """sshd's strdelim(): the next word and the rest (None at the end, or bad quotes)."""
    found = re.search(r'[ \t\r\n"=]', text)
    if found is None:
        return text, None
    at = found.start()
    if text[at] == '"':
        joined = text[:at] + text[at + 1 :]
        close = joined.find('"', at)
        if close < 0:
            return None, None
        return joined[:close], joined[close + 1 :].lstrip(_WHITESPACE)
    rest = text[at + 1 :].lstrip(_WHITESPACE)
    if text[at] != "=" and rest.startswith("="):
        rest = rest[1:].lstrip(_WHITESPACE)
    return text[:at], rest


def argv_split(text: str) -> list[str] | None:
    """sshd 8.7+'s argv_split(): words with quotes and escapes; None for open quotes."""
    args: list[str] = []
    i, size = 0, len(text)
    while i < size:
        if text[i] in " \t":
            i += 1
            continue
        if text[i] == "#":
            break
        word: list[str] = []
        quote = ""
        while i < size:
            char = text[i]
            if (
                char == "\\"
                and i + 1 < size
                and (text[i + 1] in "'\"\\" or (not quote and text[i + 1] == " "))
            ):
                word.append(text[i + 1])
                i += 2
                continue
            if not quote and char in " \t":
                break
            if not quote and char in "\"'":
                quote = char
            elif quote and char == quote:
                quote = ""
            else:
                word.append(char)
            i += 1
        if quote:
            return None
        args.append("".join(word))
    return args


def _match_line(rest: str, source: str, where: str) -> MatchBlock:
    """The criteria of a ``Match`` line; :class:`Refused` when sshd rejects them."""
    criteria: list[tuple[str, str]] = []
    remaining: str | None = rest
    while remaining:
        attribute, remaining = _strdelim(remaining)
        if not attribute:
            break
        if attribute.startswith("#"):
            break
        name = attribute.lower()
        argument, after = _strdelim(remaining) if remaining else (None, None)
        if name == "all":
            if criteria or (argument and not argument.startswith("#")):
                raise Refused(f"{where}: 'all' cannot be combined with other Match attributes")
            return MatchBlock((), source)
        if not argument or argument.startswith("#"):
            raise Refused(f"{where}: Missing Match criteria for {attribute}")
        remaining = after
        if name not in ("user", "group", "host", "address", "localaddress", "localport", "rdomain"):
            raise Refused(f"{where}: Unsupported Match attribute {attribute}")
        if name in ("address", "localaddress") and _address_list(None, argument) == -2:
            raise Refused(f"{where}: Invalid Match {attribute} argument '{argument}'")
        if name == "localport" and not (argument.isdigit() and 0 < int(argument) < 65536):
            raise Refused(f"{where}: Invalid LocalPort '{argument}' on Match line")
        criteria.append((name, argument))
    if not criteria:
        raise Refused(f"{where}: One or more attributes required for Match")
    return MatchBlock(tuple(criteria), source)


def _strtonum_problem(text: str) -> str:
    """Why ``strtonum(text, 0, INT_MAX)`` fails ('invalid', 'too small', 'too large'), or ''."""
    found = _NUMBER.fullmatch(text)
    if found is None:
        return "invalid"
    number = int(found.group(1) + found.group(2))
    if number < 0:
        return "too small"
    return "too large" if number > INT_MAX else ""


def strtonum(text: str) -> int:
    """A number sshd accepted (``+05`` is 5)."""
    return int(text.strip(" \t\n\v\f\r"))


def convtime(text: str) -> int:
    """OpenSSH's convtime(): seconds of ``300``, ``5m``, ``1h30m``...; -1 when invalid."""
    total, rest = 0, text
    if not rest:
        return -1
    while rest:
        found = _NUMBER.match(rest)
        if found is None or found.group(1) == "-" and int(found.group(2)) > 0:
            return -1
        seconds, rest = int(found.group(2)), rest[found.end() :]
        multiplier = _TIME_UNITS.get(rest[:1].lower())
        if multiplier is None:
            return -1
        rest = rest[1:]
        if seconds > INT_MAX // multiplier or total > INT_MAX - seconds * multiplier:
            return -1
        total += seconds * multiplier
    return total


def banner_path(value: str) -> str:
    """The Banner file as sshd names it: ``none``, or an absolute path."""
    if value.lower() == "none":
        return "none"
    if value == "~" or value.startswith("~/"):
        return "/root" + value[1:]
    return value if value.startswith("/") else "//" + value


def _user_pattern_ok(pattern: str) -> bool:
    """sshd's test of an AllowUsers/DenyUsers pattern (``match_user`` in test mode)."""
    if not pattern:
        return False
    _, at, hosts = pattern.partition("@")
    return not at or all(_host_entry_ok(entry) for entry in hosts.split(","))


def _host_entry_ok(entry: str) -> bool:
    """One entry of an ``addr_match_list`` (``!`` allowed): not empty, no bad CIDR."""
    entry = entry[1:] if entry.startswith("!") else entry
    if not entry:
        return False
    address, slash, bits = entry.partition("/")
    if slash and not (bits[:1].isdigit() and bits.isdigit() and int(bits) <= 128):
        return True  # not CIDR: a wildcard pattern
    parsed = _numeric_address(address)
    if parsed is None:
        return True
    length = int(bits) if slash else parsed.max_prefixlen
    try:
        ipaddress.ip_network(f"{parsed}/{length}", strict=True)
    except ValueError:
        return False
    return True


def _numeric_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as getaddrinfo(AI_NUMERICHOST) reads it (``10.1`` is 10.0.0.1)."""
    try:
        if ":" in text:
            return ipaddress.IPv6Address(text)
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):
        return None


def _check_algorithms(keyword: str, value: str, where: str, modern: bool) -> None:
    if value.startswith("-"):
        return
    names = value[1:] if value[:1] in ("+", "^") else value
    supported = (_SUPPORTED_92 if modern else _SUPPORTED_84)[keyword].split(",")
    if any(name not in supported for name in names.split(",")):
        raise Refused(f"{where}: Bad {keyword} spec '{value}'")


def _check_methods(args: list[str], where: str) -> None:
    if "any" in args and len(args) > 1:
        raise _BadLine(f'{where}: "any" must appear alone in AuthenticationMethods')
    for chain in args:
        if chain == "any":
            continue
        for step in chain.split(","):
            if step.split(":")[0] not in _AUTH_METHODS:
                raise _BadLine(f"{where}: invalid AuthenticationMethods method list")


def _assemble(spec: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """An algorithm list as sshd builds it from ``+``/``-``/``^`` and the default."""
    if spec.startswith("-"):
        left = tuple(n for n in default if _pattern_list(n, spec[1:], False) != 1)
        return left or default  # sshd assembles the list twice: empty becomes the default
    if spec.startswith("+"):
        names = [*default, *spec[1:].split(",")]
    elif spec.startswith("^"):
        names = [*spec[1:].split(","), *default]
    else:
        names = spec.split(",")
    return tuple(dict.fromkeys(names))


def _glob(files: Files, pattern: str) -> list[str]:
    """glob(3) below the root; a name without wildcards only when it exists."""
    try:
        candidates = expand(files, pattern)
    except OSError as exc:
        why = msg("cannot list {path}: {error}", path=pattern, error=os_problem(exc))
        raise UnreadableSshdFile(why) from exc
    if MAGIC.search(pattern.rsplit("/", 1)[-1]):
        return candidates  # names read from the directory, dangling symlinks included
    return [path for path in candidates if files.exists(path)]


# Match evaluation -----------------------------------------------------------------------


def _chain(
    blocks: tuple[MatchBlock, ...], connection: Connection, unknown: bool | None
) -> bool | None:
    """Whether every block matches: True, False, or None (may match some connection)."""
    verdict: bool | None = True
    for block in blocks:
        for name, patterns in block.criteria:
            result = _criterion(name, patterns, connection, unknown)
            if result is False:
                return False
            if result is None:
                verdict = None
    return verdict


def _criterion(
    name: str, patterns: str, connection: Connection, unknown: bool | None
) -> bool | None:
    if not _has_positive(patterns):
        return False
    if name == "group":
        if connection.user is None or connection.groups is None:
            return unknown
        results = [_pattern_list(group, patterns, False) for group in connection.groups]
        return -1 not in results and 1 in results
    if name in ("address", "localaddress"):
        address = connection.addr if name == "address" else connection.laddr
        return unknown if address is None else _address_list(address, patterns) == 1
    if name == "localport":
        return unknown if connection.lport is None else int(patterns) == connection.lport
    value = {"user": connection.user, "host": connection.host, "rdomain": connection.rdomain}[name]
    if value is None:
        return unknown
    return _pattern_list(value, patterns, name == "host") == 1


def _has_positive(patterns: str) -> bool:
    return any(not p.startswith("!") for p in patterns.split(","))


def _pattern_list(value: str, patterns: str, lower: bool) -> int:
    """OpenSSH's match_pattern_list(): 1 match, -1 negated match, 0 none."""
    if lower:
        value, patterns = value.lower(), patterns.lower()
    found = 0
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        if fnmatch.fnmatchcase(value, pattern[1:] if negated else pattern):
            if negated:
                return -1
            found = 1
    return found


def _address_list(address: str | None, patterns: str) -> int:
    """OpenSSH's addr_match_list(): 1, 0, -1 (negated match) or -2 (invalid list)."""
    result = 0
    try:
        parsed = ipaddress.ip_address(address) if address is not None else None
    except ValueError:
        parsed = None
    for item in patterns.split(","):
        negated = item.startswith("!")
        entry = item[1:] if negated else item
        if not entry or len(entry) > 1024 or re.fullmatch(r"[0-9a-fA-F.:*?/]+", entry) is None:
            return -2
        matched = False
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError:
            if "/" in entry:
                return -2
            matched = address is not None and fnmatch.fnmatchcase(address, entry)
        else:
            matched = parsed is not None and parsed.version == network.version and parsed in network
        if matched:
            if negated:
                return -1
            result = 1
    return result
