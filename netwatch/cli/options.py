"""Options shared by several commands, and the command classes that show them to people.

Every command is built from :class:`App`, so ``--help`` shows ``FILE``, ``DIR``, ``TEXT``,
``N`` and ``en|vi`` instead of Python types, flags show no value at all, and a value
outside a choice is one line that lists the allowed values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer
from typer._click.core import Context
from typer._click.exceptions import BadParameter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

ConfigOption = Annotated[
    Path | None,  # noqa: UP007 - typer needs Optional on Python 3.10
    typer.Option(
        "--config",
        "-c",
        help="YAML config file; without it the embedded defaults apply.",
        envvar="NETWATCH_CONFIG",
        dir_okay=False,
    ),
]

Lang = Literal["en", "vi"]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the output.")]

PreparerOption = Annotated[
    str, typer.Option("--preparer", help="Who prepares the report (signature block).")
]
ApproverOption = Annotated[
    str, typer.Option("--approver", help="Who approves the report (signature block).")
]

Software = Literal["full", "summary", "none"]
SoftwareOption = Annotated[
    Software,
    typer.Option(
        "--software",
        help="Installed software: full (every package), summary (counts by source) or none.",
    ),
]
"""``--software`` of ``inventory`` and ``audit``: one spelling and one meaning for both."""

_NUMBERS = {int: "N", float: "NUMBER"}
F = TypeVar("F", bound=Callable[..., Any])


class _Argument(TyperArgument):
    """An argument shown by its metavar (``FILE...``), without a Python type beside it."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return self.display_name_raw

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return f"{{{name}}}" if self.required else f"[{name}]"


def human_metavar(param: TyperOption | TyperArgument) -> str:
    """What a value of ``param`` looks like: FILE, DIR, PATH, N, NUMBER, TEXT or ``a|b``
    (``FILE...`` for an argument taking several); nothing for a flag."""
    descriptor = param.type_descriptor
    annotation = descriptor.annotation
    if descriptor.is_list:
        (annotation,) = annotation.__args__
    if annotation is bool:
        return ""
    if descriptor.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in descriptor.choices or ())
    if isinstance(annotation, type) and issubclass(annotation, Path):
        shown = descriptor.path_type.upper()
    else:
        shown = _NUMBERS.get(annotation, "TEXT")
    several = isinstance(param, TyperArgument) and param.nargs != 1
    return f"{shown}..." if several else shown


def _humanize(params: list[Any]) -> list[Any]:
    """Give each parameter without a metavar of its own the human one (once)."""
    for param in params:
        if isinstance(param, TyperArgument) and not isinstance(param, _Argument):
            if param.metavar is None:
                param.metavar = human_metavar(param)
            param.__class__ = _Argument
        elif isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = human_metavar(param)
    return params


def _choice_message(exc: BadParameter) -> BadParameter:
    """``Value error, 'x' is not one of ...`` as one line naming the value and the choices."""
    param = exc.param
    if not isinstance(param, (TyperOption, TyperArgument)) or not param.type_descriptor.is_choice:
        return exc
    errors: list[dict[str, Any]] = getattr(exc.__cause__, "errors", list)()
    given = f"{errors[0]['input']!r} " if errors and "input" in errors[0] else ""
    allowed = ", ".join(human_metavar(param).split("|"))
    return BadParameter(f"{given}is not allowed; use one of: {allowed}", exc.ctx, param)


class _Humane:
    """Human metavars in the help and one clear message for a value outside a choice."""

    def get_params(self, ctx: Context) -> list[Any]:
        return _humanize(super().get_params(ctx))  # type: ignore[misc]

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc,no-any-return]
        except BadParameter as exc:
            raise _choice_message(exc) from None


class Command(_Humane, TyperCommand):
    """A command in the netwatch help style."""


class Group(_Humane, TyperGroup):
    """A group of commands (``config``, ``report`` ...) in the same help style."""


class App(typer.Typer):
    """A typer app whose group and commands are :class:`Group` and :class:`Command`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=Group, **kwargs)

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[F], F]:
        """Register a command; its class is :class:`Command` unless ``cls`` is given."""
        kwargs.setdefault("cls", Command)
        return super().command(name, **kwargs)
