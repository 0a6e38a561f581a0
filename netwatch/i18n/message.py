"""Messages: an English template and its parameters, rendered in a reader's language later.

The English template is the key of the catalogue (the gettext convention): a check returns
``msg("{name} not set: the OpenSSH default is {value}", name=..., value=...)``, the posture
JSON keeps the English text and the template with its parameters, and a report renders it in
Vietnamese from ``vi/*.yaml``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netwatch.i18n.catalogue import placeholders, translation

_PARAM_TYPES = (str, int, float)


@dataclass(frozen=True)
class Message:
    """A text a reader sees: an English ``template`` with ``{named}`` placeholders and their
    values (text, numbers or other messages). ``str()`` is the English text."""

    template: str
    params: Mapping[str, str | int | float | Message] = field(default_factory=dict, hash=False)
    context: str = ""

    def __post_init__(self) -> None:
        names = placeholders(self.template)
        if names != set(self.params):
            raise ValueError(
                f"message {self.template!r}: placeholders {sorted(names)} "
                f"but parameters {sorted(self.params)}"
            )
        for name, value in self.params.items():
            if isinstance(value, bool) or not isinstance(value, (*_PARAM_TYPES, Message)):
                raise TypeError(f"message {self.template!r}: parameter {name} is {value!r}")

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str) -> str:
        """The text in ``lang``; English where the catalogue has no entry."""
        template = translation(lang, self.template, self.context) or self.template
        values = {
            k: v.render(lang) if isinstance(v, Message) else v for k, v in self.params.items()
        }
        return _Formatter(lang).vformat(template, (), values)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready ``{"template", "params"}`` (and ``"context"`` when there is one)."""
        params = {k: v.to_record() if isinstance(v, Message) else v for k, v in self.params.items()}
        record: dict[str, Any] = {"template": self.template, "params": params}
        return record | ({"context": self.context} if self.context else {})

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Message:
        """The message :meth:`to_record` wrote (a parameter that is a mapping is a message)."""
        params = {
            k: cls.from_record(v) if isinstance(v, Mapping) else v
            for k, v in record["params"].items()
        }
        return cls(record["template"], params, record.get("context") or "")


@dataclass(frozen=True)
class Label:
    """A template filled later (a table of report labels): ``label(...).fill(count=3)``.

    ``context`` tells apart two meanings of one English text ("Up": a service, a link).
    """

    template: str
    context: str = ""

    def get(self, lang: str) -> str:
        """The template in ``lang``, its placeholders unfilled (as ``Text.get``)."""
        return translation(lang, self.template, self.context) or self.template

    def fill(self, **params: str | int | float | Message) -> Message:
        """The message with its placeholders' values."""
        return Message(self.template, params, self.context)


def msg(template: str, /, **params: str | int | float | Message) -> Message:
    """A translatable text: ``template`` is a literal English string (the catalogue key)."""
    return Message(template, params)


def label(template: str, /, context: str = "") -> Label:
    """A translatable template whose values come later; both arguments literal strings."""
    placeholders(template)
    return Label(template, context)


def render(text: str | Message, lang: str) -> str:
    """``text`` for a reader of ``lang``: a message translated, plain text as it is."""
    return text.render(lang) if isinstance(text, Message) else text


def localize_number(text: str, lang: str) -> str:
    """A number formatted the English way (``1,234.5``) as ``lang`` writes it (vi ``1.234,5``)."""
    if lang == "vi":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


class _Formatter(string.Formatter):
    """str.format with numbers written as ``lang`` writes them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return localize_number(text, self.lang) if number else text
