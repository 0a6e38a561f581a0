"""PAM stacks as Linux-PAM 1.5.2 reads them (Debian 12's libpam: libpam/pam_handlers.c,
pam_misc.c, pam_dispatch.c, and Debian's ``@include``), checked against the real libpam
with pamtester in tests/differential/test_pam.py.

Files:

- When /etc/pam.d or /usr/lib/pam.d is a directory, a service's rules come from
  ``/etc/pam.d/<service>``, else ``/usr/lib/pam.d/<service>``; then ``other`` is read
  the same way, always. A kind (auth, account, password, session) with no rule in the
  service's files takes other's rules. No service file is not an error (other
  serves); neither file is ``pam_start`` failing. Only when neither directory exists
  is /etc/pam.conf read, each line starting with the service name (``other`` lines
  are other's).
- An ``include``/``substack``/``@include`` name is a file of those directories, or an
  absolute path. A directory reads as an empty file.

Lines:

- Read with ``fgets`` into a 1024-byte buffer: a line longer than 1023 characters goes
  on as the next line. Blanks are space, tab and newline only: a CR (CRLF files) sticks
  to the last word, so ``pam_permit.so\\r`` is a module that does not exist.
- ``#`` anywhere ends the line, even inside a continued line. A line ending in ``\\``
  (trailing blanks allowed) goes on with the next line that is not blank or a
  comment; a file ending inside a continued line is an error (``pam_start`` fails).
- Words are split at blanks; ``[...]`` is one word up to the first ``]`` (``\\]``
  is a ``]`` inside it), also for module arguments.
- The type is ``auth``, ``account``, ``password`` or ``session`` in any case; a
  leading ``-`` only stops libpam logging a module that cannot be loaded: the rule
  stays and returns ``module_unknown`` (so ``-auth required pam_gone.so`` fails the
  stack). The control is ``required``, ``requisite``, ``sufficient``, ``optional``
  (any case), ``include``, ``substack``, or ``[code=action ...]``: codes and actions
  are matched as prefixes without blanks needed between pairs, an action is
  ``ignore ok done bad die reset`` or a jump N > 0, unset codes are ``bad``; any
  parse error (an unknown word such as ``requird``) makes every code ``bad``.
- Broken lines do not stop PAM. An unknown type, a missing control or module name,
  and an ``include``/``substack`` whose file cannot be read (or failed to parse)
  each become a rule that fails whenever it is reached (``broken``; ``perm_denied``
  with actions ``bad``). An unknown type takes the kind of the include it is read
  for, or ``auth`` at the top.
- ``@include FILE`` (Debian) reads all kinds of FILE in place. When FILE cannot be
  read: at the top of a service file ``pam_start`` fails; inside a file read for an
  ``include``, a failing rule is added whose actions are the last rule's of that
  file (libpam reuses its array). Before any rule of that kind in that file the array
  was never filled: libpam then acts on whatever memory holds (seen: the stack
  passes, fails, or stops, run after run), so :func:`evaluate` answers ``undefined``
  there. ``@include`` without a name,
  and an include loop, crash libpam 1.5.2 (``refused``).
- A module name that is empty or ``?`` (``/lib/security/``, ``.so``) makes libpam
  stop reading: ``pam_start`` fails when that happens in the service or other file
  itself, an including line fails when it happens in an included file.

Modules: a relative path is taken from the image's module directory
(/lib/<multiarch>/security/; when the image has none, modules are taken as present).
A module file that does not exist returns
``module_unknown``; an existing file is taken to load and to have the function of
its kind (a module without it also returns ``module_unknown``: not modelled).

:func:`evaluate` runs a stack as ``_pam_dispatch_aux`` does, given what each module
returns: required/requisite/sufficient/optional, jumps that count a substack as one
rule and never leave it, ``done``/``die`` ending only the current substack, a bad
jump failing the stack, and an empty stack denied.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from netwatch.hostaccess import Files
from netwatch.i18n import Message, msg

KINDS = ("auth", "account", "password", "session")
PAM_D = ("/etc/pam.d", "/usr/lib/pam.d")
PAM_CONF = "/etc/pam.conf"
OTHER = "other"
MODULE_DIRS = (
    "/lib/x86_64-linux-gnu/security/", "/lib/aarch64-linux-gnu/security/",
    "/lib/i386-linux-gnu/security/", "/lib/arm-linux-gnueabihf/security/",
    "/lib/security/", "/lib64/security/",
)  # fmt: skip
# The PAM return codes, in libpam's order (the index is the code), as the [...] syntax names them.
RETURNS = (
    "success", "open_err", "symbol_err", "service_err", "system_err", "buf_err",
    "perm_denied", "auth_err", "cred_insufficient", "authinfo_unavail", "user_unknown",
    "maxtries", "new_authtok_reqd", "acct_expired", "session_err", "cred_unavail",
    "cred_expired", "cred_err", "no_module_data", "conv_err", "authtok_err",
    "authtok_recover_err", "authtok_lock_busy", "authtok_disable_aging", "try_again",
    "ignore", "abort", "authtok_expired", "module_unknown", "bad_item",
)  # fmt: skip
ACTION_WORDS = ("ignore", "ok", "done", "bad", "die", "reset")
UNDEF = "undef"
UNSET = "unset"  # libpam reads an array it never filled: what happens is undefined
BUFFER_CHARS = 1023
BLANKS = " \n\t"
UNKNOWN_MODULE = "<*unknown module*>"
# libpam 1.5.2 has no limit (a loop recurses until it crashes); this one is netwatch's.
MAX_DEPTH = 64

Action = str | int  # an ACTION_WORDS word, UNDEF, UNSET, or a jump over that many rules


@dataclass(frozen=True)
class PamRule:
    """One handler of a stack: a module line, a broken line, or a substack's marker."""

    kind: str
    control: str
    path: str
    args: tuple[str, ...]
    source: str
    actions: tuple[Action, ...]
    level: int = 0
    via: tuple[str, ...] = ()
    broken: str | Message | None = None
    missing: bool = False
    silent: bool = False
    substack: bool = False

    @property
    def module(self) -> str:
        """The module's name as libpam names it: the file name up to its last dot."""
        return module_name(self.path) or UNKNOWN_MODULE

    def arg(self, name: str) -> str | None:
        """The value of ``name=value`` among the module arguments, or None."""
        for item in self.args:
            key, sep, value = item.partition("=")
            if sep and key == name:
                return value
        return None

    def action(self, code: str) -> Action:
        """What the control says to do when the module returns ``code``."""
        return self.actions[RETURNS.index(code)]

    @property
    def shown(self) -> str:
        """The rule as written, for evidence (``auth [success=1 default=ignore] pam_unix.so``)."""
        return " ".join([self.kind, self.control, self.path, *self.args]).strip()


@dataclass(frozen=True)
class PamStack:
    """The rules of one kind that libpam runs for a service, in order.

    ``refused`` says why ``pam_start`` fails (every operation of the service fails);
    ``origin`` is the service's file, or other's when the service has no rule of
    this kind.
    """

    service: str
    kind: str
    rules: tuple[PamRule, ...]
    origin: str
    files: tuple[str, ...]
    refused: Message | None = None

    def using(
        self, module: str, argument: str | None = None, prefix: bool = False
    ) -> list[PamRule]:
        """The rules that call ``module`` (``pam_unix``), with ``argument`` when given.

        ``argument`` matches a whole argument (``nullok``) or its name (``deny`` for
        ``deny=3``); with ``prefix``, any argument starting with it, as pam_unix
        matches its options (``strncmp``: ``nullok_secure`` and ``nullok\\r`` are
        ``nullok`` to it).
        """
        found = []
        for rule in self.rules:
            if rule.substack or rule.broken or rule.missing or rule.module != module:
                continue
            if argument is None or any(
                item == argument
                or item.partition("=")[0] == argument
                or (prefix and item.startswith(argument))
                for item in rule.args
            ):
                found.append(rule)
        return found


@dataclass
class PamConfig:
    """Everything libpam loaded for a service: its rules and other's, per kind."""

    service: str
    own: dict[str, list[PamRule]] = field(default_factory=lambda: {k: [] for k in KINDS})
    other: dict[str, list[PamRule]] = field(default_factory=lambda: {k: [] for k in KINDS})
    own_origin: str = ""
    other_origin: str = ""
    files: list[str] = field(default_factory=list)
    refused: Message | None = None

    def own_stack(self, kind: str) -> PamStack:
        """The service file's own ``kind`` rules, includes read, never other's.

        For a file that services include (``common-auth``) read as if it were one.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown PAM kind {kind!r}")
        rules = tuple(self.own[kind])
        return PamStack(self.service, kind, rules, self.own_origin, tuple(self.files), self.refused)

    def stack(self, kind: str) -> PamStack:
        """The stack libpam runs for ``kind``: the service's rules, else other's."""
        if kind not in KINDS:
            raise ValueError(f"unknown PAM kind {kind!r}")
        rules, origin = self.own[kind], self.own_origin
        if not rules:
            rules, origin = self.other[kind], self.other_origin
        return PamStack(self.service, kind, tuple(rules), origin, tuple(self.files), self.refused)


@dataclass(frozen=True)
class Decision:
    """What a stack returns (a RETURNS code, ``refused``, ``undefined``) and the modules called."""

    status: str
    called: tuple[PamRule, ...]


class _Refused(Exception):
    """pam_start fails (or libpam crashes); ``message`` says why and where."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


class _Abort(_Refused):
    """libpam stops reading a file (PAM_ABORT); ``message`` says why and where."""


def load_pam_config(files: Files, service: str) -> PamConfig:
    """Every rule libpam loads for ``service`` (``pam_start``'s ``_pam_init_handlers``)."""
    return _Loader(files, service).load()


def load_pam_stack(files: Files, service: str, kind: str) -> PamStack:
    """The ``kind`` stack libpam runs for ``service`` (``sshd``, ``login``), in order."""
    return load_pam_config(files, service).stack(kind)


def rules_using(
    files: Files,
    service: str,
    module: str,
    argument: str | None = None,
    kind: str = "auth",
    prefix: bool = False,
) -> tuple[PamStack, list[PamRule]]:
    """The ``kind`` stack of ``service`` and its rules that call ``module`` with ``argument``.

    ``rules_using(files, "sshd", "pam_unix", "nullok", prefix=True)``: each rule has its
    ``source`` (``/etc/pam.d/common-auth:17``) and the include lines it came through
    (``via``). Look at the stack's ``refused`` first: a service that ``pam_start``
    refuses runs no rule at all.
    """
    stack = load_pam_stack(files, service, kind)
    return stack, stack.using(module, argument, prefix)


def module_name(path: str) -> str | None:
    """libpam's name for a module path (``extract_modulename``); None when empty or ``?``."""
    name = path.rsplit("/", 1)[-1]
    if "." in name:
        name = name[: name.rindex(".")]
    return None if name in ("", "?") else name


def tokens(line: str) -> list[tuple[str, str]]:
    """The words of a line as ``_pam_StrTok`` splits them: (value, as written)."""
    found: list[tuple[str, str]] = []
    i, end = 0, len(line)
    while True:
        while i < end and line[i] in BLANKS:
            i += 1
        if i >= end:
            return found
        start = i
        if line[i] == "[":
            i += 1
            value: list[str] = []
            while i < end and line[i] != "]":
                if line[i] == "\\" and line[i + 1 : i + 2] == "]":
                    i += 1
                value.append(line[i])
                i += 1
            i += 1
            found.append(("".join(value), line[start:i]))
        else:
            while i < end and line[i] not in BLANKS:
                i += 1
            found.append((line[start:i], line[start:i]))
            i += 1


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines as ``_pam_assemble_line`` joins them, with the number of their first line.

    Raises :class:`_Abort` for a file that ends inside a continued line.
    """
    pos, number, size = 0, 1, len(text)
    buffer, first = "", 0
    while True:
        room = BUFFER_CHARS - len(buffer)
        if pos >= size:
            if first:
                raise _Abort(msg("line {line}: the file ends inside a continued line",
                                 line=str(first)))  # fmt: skip
            return
        if room <= 0:
            raise _Abort(msg("line {line}: a continued line longer than `libpam`'s buffer",
                             line=str(first)))  # fmt: skip
        newline = text.find("\n", pos)
        stop = min(size if newline < 0 else newline + 1, pos + room)
        piece, here = text[pos:stop], number
        pos = stop
        if piece.endswith("\n"):
            number += 1
        body = piece.lstrip(BLANKS)
        if not body or body[0] == "#":
            continue
        first = first or here
        lead = len(piece) - len(body)
        if "#" in body:
            yield first, buffer + piece[: lead + body.index("#")]
            buffer, first = "", 0
            continue
        trimmed = piece.rstrip(" \t\n")
        if trimmed.endswith("\\"):
            buffer += trimmed[:-1] + " "
            continue
        yield first, buffer + piece
        buffer, first = "", 0


def _keyword_actions(control: str) -> list[Action] | None:
    """The actions of required/requisite/optional/sufficient; None for another word."""
    word = control.lower()
    if word in ("required", "requisite"):
        actions: list[Action] = ["bad" if word == "required" else "die"] * len(RETURNS)
        actions[RETURNS.index("ignore")] = "ignore"
    elif word in ("optional", "sufficient"):
        actions = ["ignore"] * len(RETURNS)
    else:
        return None
    good = "ok" if word != "sufficient" else "done"
    actions[RETURNS.index("success")] = good
    actions[RETURNS.index("new_authtok_reqd")] = good
    return actions


def parse_control(text: str) -> list[Action]:
    """The actions of a ``[code=action ...]`` control (``_pam_parse_control``); unset is bad."""
    actions: list[Action] = [UNDEF] * len(RETURNS)
    rest = text
    while rest:
        rest = rest.lstrip(" \t\n\v\f\r")
        if not rest:
            break
        code = next((c for c in (*RETURNS, "default") if rest.startswith(c)), None)
        if code is None or len(rest) == len(code):
            return ["bad"] * len(RETURNS)
        rest = rest[len(code) :].lstrip(" \t\n\v\f\r")
        if not rest.startswith("="):
            return ["bad"] * len(RETURNS)
        rest = rest[1:].lstrip(" \t\n\v\f\r")
        word = next((w for w in ACTION_WORDS if rest.startswith(w)), None)
        action: Action
        if word is not None:
            action, rest = word, rest[len(word) :]
        else:
            digits = len(rest) - len(rest.lstrip("0123456789"))
            if not digits or int(rest[:digits]) == 0:
                return ["bad"] * len(RETURNS)
            action, rest = int(rest[:digits]), rest[digits:]
        if code == "default":
            actions = [action if a == UNDEF else a for a in actions]
        else:
            actions[RETURNS.index(code)] = action
    return ["bad" if a == UNDEF else a for a in actions]


class _Loader:
    """Reads a service's files as ``_pam_init_handlers`` and ``_pam_parse_conf_file`` do."""

    def __init__(self, files: Files, service: str) -> None:
        self.files = files
        self.config = PamConfig(service)
        self.pam_d = any(self._is_dir(path) for path in PAM_D)
        self.module_dir = next(
            (path for path in MODULE_DIRS if self._is_dir(path.rstrip("/"))), None
        )

    def load(self) -> PamConfig:
        config = self.config
        try:
            found = self._service_files() if self.pam_d else self._read_pam_conf()
        except _Abort as exc:
            config.refused = msg("`libpam` stops reading: {problem}", problem=exc.message)
            return config
        except _Refused as exc:
            config.refused = exc.message
            return config
        if not found:
            config.refused = msg(
                "no PAM file for {service} and no {other}",
                service=repr(config.service),
                other=repr(OTHER),
            )
        return config

    def _service_files(self) -> bool:
        found = False
        for name in (self.config.service, OTHER):
            opened = self._open(name)
            if opened is None:
                continue
            path, text = opened
            if name == self.config.service:
                self.config.own_origin = path
            if name == OTHER:
                self.config.other_origin = path
            self._parse(path, text, name, None, 0, ())
            found = True
        return found

    def _read_pam_conf(self) -> bool:
        opened = self._read(PAM_CONF)
        if opened is None:
            raise _Refused(msg("neither {first} nor {second} nor {path} exists",
                               first=PAM_D[0], second=PAM_D[1], path=PAM_CONF))  # fmt: skip
        self.config.own_origin = self.config.other_origin = PAM_CONF
        self._parse(PAM_CONF, opened, None, None, 0, ())
        return True

    def _is_dir(self, path: str) -> bool:
        try:
            return stat.S_ISDIR(self.files.stat(path).st_mode)
        except OSError:
            return False

    def _read(self, path: str) -> str | None:
        """The text of a file; "" for a directory (fopen opens one, fgets reads nothing)."""
        if self._is_dir(path):
            return ""
        return self.files.read_text_or_none(path)

    def _open(self, name: str) -> tuple[str, str] | None:
        """``_pam_open_config_file``: an absolute path, else the first pam.d that has it."""
        candidates = [name] if name.startswith("/") else [f"{d}/{name}" for d in PAM_D]
        if not name.startswith("/") and not self.pam_d:
            return None
        for path in candidates:
            text = self._read(path)
            if text is not None:
                if path not in self.config.files:
                    self.config.files.append(path)
                return path, text
        return None

    def _include(
        self, name: str | None, service: str, kind: str | None, level: int, via: tuple[str, ...]
    ) -> Message | None:
        """Read an included file for ``kind`` (None: every kind); why it failed, or None."""
        if name is None:
            return msg("no file named")
        opened = self._open(name)
        if opened is None:
            return msg("{name} cannot be read", name=name)
        path, text = opened
        if path in {v.rsplit(":", 1)[0] for v in via} or len(via) > MAX_DEPTH:
            raise _Refused(msg("{where}: include loop through {path} (`libpam` 1.5.2 crashes)",
                               where=via[-1], path=path))  # fmt: skip
        try:
            self._parse(path, text, service, kind, level, via)
        except _Abort as exc:
            return msg("`libpam` stops reading {path}: {problem}", path=path, problem=exc.message)
        return None

    def _parse(
        self,
        path: str,
        text: str,
        service: str | None,
        kind: str | None,
        level: int,
        via: tuple[str, ...],
    ) -> None:
        """``_pam_parse_conf_file``: add the rules of ``text``; :class:`_Abort` if libpam stops."""
        last: list[Action] | None = None  # libpam's actions array, reused line after line
        for number, line in logical_lines(text):
            words = tokens(line)
            source = f"{path}:{number}"
            if service is None:
                this_service, words = words[0][0], words[1:]
            else:
                this_service = service
            other = this_service.lower() == OTHER
            if this_service.lower() != self.config.service.lower() and not other:
                continue
            if words and words[0][0].lower() == "@include":
                target = words[1][0] if len(words) > 1 else None
                if target is None:
                    raise _Refused(msg("{where}: `@include` without a file (`libpam` 1.5.2 "
                                       "crashes)", where=source))  # fmt: skip
                failed = self._include(target, this_service, kind, level, (*via, source))
                if failed is None:
                    continue
                if kind is None:
                    raise _Abort(msg("{where}: `@include` {problem}", where=source, problem=failed))
                actions = tuple(last or [UNSET] * len(RETURNS))
                why = (
                    msg("`@include` {problem}", problem=failed)
                    if last
                    else msg("`@include` {problem}; its control is undefined", problem=failed)
                )
                broken = PamRule(kind, words[0][1], "", (), source, actions, level, via, why)
                self._add(other, broken)
                continue
            after = self._line(words, source, this_service, other, kind, level, via)
            last = last if after is None else after

    def _line(
        self,
        words: list[tuple[str, str]],
        source: str,
        service: str,
        other: bool,
        requested: str | None,
        level: int,
        via: tuple[str, ...],
    ) -> list[Action] | None:
        """One rule line; returns libpam's actions array after it (None: left untouched)."""
        broken: str | Message | None = None  # libpam's words; netwatch's in a message
        silent = False
        type_word = words[0][0] if words else None
        if type_word is None:
            broken, kind = "empty module type", requested or "auth"
        else:
            silent = type_word.startswith("-")
            word = type_word[1:] if silent else type_word
            kind = word.lower()
            if kind not in KINDS:
                broken, kind = f"illegal module type: {word}", requested or "auth"
        if requested is not None and kind != requested:
            return None
        actions: list[Action] = [UNDEF] * len(RETURNS)
        control = words[1] if len(words) > 1 else None
        include = ""
        if control is None:
            actions, broken = ["bad"] * len(RETURNS), broken or "no control flag supplied"
        elif control[0].lower() in ("include", "substack"):
            include = control[0].lower()
        else:
            actions = _keyword_actions(control[0]) or parse_control(control[0])
        target = words[2][0] if len(words) > 2 else None
        args = tuple(word for word, _ in words[3:])
        shown = control[1] if control else ""
        if include:
            if include == "substack":
                self._add_checked(
                    other, PamRule(kind, shown, target or "", (), source, tuple(actions),
                                   level, via, substack=True),
                )  # fmt: skip
            inner = level + (include == "substack")
            failed = self._include(target, service, kind, inner, (*via, source))
            if failed is None:
                return actions
            actions = ["bad" if a == UNDEF else a for a in actions]
            why = msg("{include} {problem}", include=include, problem=failed)
            rule = PamRule(kind, shown, "", (), source, tuple(actions), level, via, why)
            self._add_checked(other, rule)
            return actions
        if target is None:
            broken = broken or "no module name supplied"
        missing = broken is None and not self._module_exists(target or "")
        rule = PamRule(kind, shown, target or "", args, source, tuple(actions), level, via,
                       broken, missing, silent)  # fmt: skip
        self._add_checked(other, rule)
        return actions

    def _module_exists(self, path: str) -> bool:
        if self.module_dir is None and not path.startswith("/"):
            return True  # no module directory in the image: presence unknown
        full = path if path.startswith("/") else f"{self.module_dir}{path}"
        try:
            return stat.S_ISREG(self.files.stat(full).st_mode)
        except (OSError, ValueError):
            return False

    def _add_checked(self, other: bool, rule: PamRule) -> None:
        """``_pam_add_handler``: a module name libpam cannot make stops the file."""
        if rule.path and module_name(rule.path) is None:
            raise _Abort(msg("{where}: module name {module} is empty or '?'",
                             where=rule.source, module=repr(rule.path)))  # fmt: skip
        self._add(other, rule)

    def _add(self, other: bool, rule: PamRule) -> None:
        (self.config.other if other else self.config.own)[rule.kind].append(rule)


def evaluate(stack: PamStack, outcome: Callable[[PamRule], str]) -> Decision:
    """What the stack returns when each module returns ``outcome(rule)`` (a RETURNS code).

    ``_pam_dispatch_aux`` for a first run (no frozen chain): a broken rule returns
    ``perm_denied``, a missing module ``module_unknown``, a substack marker is skipped.
    Reaching a rule whose control libpam never set is ``undefined``.
    """
    if stack.refused:
        return Decision("refused", ())
    rules = stack.rules
    if not rules:
        return Decision("perm_denied", ())
    called: list[PamRule] = []
    impression, status = 0, "perm_denied"
    saved: dict[int, tuple[int, str]] = {}
    previous = 0
    index = 0
    while index < len(rules):
        rule = rules[index]
        level = rule.level
        if previous < level:
            saved[level] = (impression, status)
        previous = level
        if rule.substack:
            index += 1
            continue
        if rule.broken:
            code = "perm_denied"
        elif rule.missing:
            code = "module_unknown"
        else:
            code = outcome(rule)
            called.append(rule)
        action = rule.action(code)
        if action == "reset":
            impression, status = saved.get(level, (0, "perm_denied"))
        elif action in ("ok", "done"):
            if impression == 0 or (impression > 0 and status == "success"):
                impression, status = 1, code
            if impression > 0 and action == "done":
                index = _end_of_level(rules, index)
        elif action in ("bad", "die"):
            if impression >= 0:
                impression, status = -1, "perm_denied" if code == "ignore" else code
            if action == "die":
                index = _end_of_level(rules, index)
        elif isinstance(action, int):
            index, left = _jump(rules, index, action)
            if left:
                impression, status = -1, "perm_denied"
        elif action == UNSET:
            return Decision("undefined", tuple(called))
        elif action != "ignore":  # UNDEF: libpam takes it as a jump it cannot make
            impression, status = -1, "perm_denied"
        index += 1
    if status == "success" and impression <= 0:
        status = "perm_denied"
    return Decision(status, tuple(called))


def _end_of_level(rules: tuple[PamRule, ...], index: int) -> int:
    """The last rule of the current (sub)stack from ``index`` on: a decision ends it."""
    level = rules[index].level
    while index + 1 < len(rules) and rules[index + 1].level >= level:
        index += 1
    return index


def _jump(rules: tuple[PamRule, ...], index: int, count: int) -> tuple[int, int]:
    """Skip ``count`` rules of this level (a substack counts as one); the jumps left over."""
    level = rules[index].level
    while index + 1 < len(rules) and rules[index + 1].level >= level and count > 0:
        index += 1
        while index + 1 < len(rules) and rules[index + 1].level > level:
            index += 1
        count -= 1
    return index, count
