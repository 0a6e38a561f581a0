"""The translation catalogues: ``<lang>/*.yaml`` beside this module, English template -> text.

A language's files (split by area so that two translators can work at once) are one
catalogue; an English text belongs to one file only.

An entry is ``"English template": "bản dịch"``; an English text with two meanings maps
contexts to translations (``Up: {service state: Hoạt động, network link: Đang kết nối}``).
Each file is read once and validated: both sides must name the same ``{placeholders}``,
and a bad entry is a :class:`ConfigError` naming the file and line.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

from netwatch.core.yamlfile import ConfigError, ConfigProblem, parse_yaml

LANGUAGES = ("en", "vi")
SOURCE_LANGUAGE = "en"


def placeholders(template: str) -> set[str]:
    """The ``{names}`` in a template; ValueError for a positional ``{}`` or a stray brace."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"template {template!r}: placeholders are {{names}}, not {{{name}}}")
        names.add(name)
    return names


def catalogue_source(lang: str, name: str = "") -> str:
    """The catalogue folder of ``lang`` (or its file ``name``) as found in the source tree."""
    return f"netwatch/i18n/{lang}/{name}"


@cache
def catalogue(lang: str) -> dict[tuple[str, str], str]:
    """``(context, English template) -> translation`` for ``lang`` (empty for English)."""
    if lang == SOURCE_LANGUAGE:
        return {}
    entries: dict[tuple[str, str], str] = {}
    found_in: dict[tuple[str, str], str] = {}
    try:
        files = sorted(
            (
                f
                for f in (resources.files(__package__) / lang).iterdir()
                if f.name.endswith(".yaml")
            ),
            key=lambda f: f.name,
        )
        texts = [(f.name, f.read_text(encoding="utf-8")) for f in files]
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            catalogue_source(lang), [ConfigProblem("", f"cannot read the catalogue: {exc}")]
        ) from None
    for name, text in texts:
        source = catalogue_source(lang, name)
        for key, translated in parse_catalogue(text, source).items():
            if key in found_in:
                problem = f"also translated in {found_in[key]}: keep one"
                raise ConfigError(source, [ConfigProblem(repr(key[1]), problem)])
            entries[key], found_in[key] = translated, name
    return entries


def parse_catalogue(text: str, source: str) -> dict[tuple[str, str], str]:
    """The entries of a catalogue file's ``text``; :class:`ConfigError` naming ``source``."""
    data, lines = parse_yaml(text, source)
    entries: dict[tuple[str, str], str] = {}
    problems: list[ConfigProblem] = []
    for english, value in data.items():
        contexts = value if isinstance(value, dict) else {"": value}
        for context, translated in contexts.items():
            path = (english, context) if isinstance(value, dict) else (english,)
            problem = _problem(english, context, translated)
            if problem:
                problems.append(ConfigProblem(repr(english), problem, lines.get(path)))
            else:
                entries[(context, english)] = translated
    if problems:
        raise ConfigError(source, problems)
    return entries


def _problem(english: object, context: object, translated: object) -> str:
    """What is wrong with one entry, or ''."""
    if not isinstance(english, str) or not english.strip():
        return "the English template must be a non-empty string"
    if not isinstance(context, str):
        return f"context {context!r} must be a string"
    if not isinstance(translated, str) or not translated.strip():
        return "the translation must be a non-empty string (or a mapping of contexts to strings)"
    try:
        ours, theirs = placeholders(english), placeholders(translated)
    except ValueError as exc:
        return str(exc)
    if ours != theirs:
        return (
            f"the translation has placeholders {_names(theirs)}, the English {_names(ours)}: "
            "use the same on both sides"
        )
    return ""


def _names(names: set[str]) -> str:
    return ", ".join(f"{{{n}}}" for n in sorted(names)) or "none"


def translation(lang: str, template: str, context: str = "") -> str | None:
    """The catalogue's ``lang`` text for ``template`` in ``context``, or None."""
    if lang not in LANGUAGES or lang == SOURCE_LANGUAGE:
        return None
    return catalogue(lang).get((context, template))
