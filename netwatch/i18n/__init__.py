"""One mechanism for every text a reader sees: CLI, reports, metric help, check evidence.

``msg("English {x}", x=...)`` is a :class:`Message`; ``render(text, lang)`` shows it in the
reader's language from the catalogue ``netwatch/i18n/<lang>.yaml`` (English template ->
translation). ``label()`` is a template filled later, for tables of fixed texts.
"""

from netwatch.i18n.catalogue import LANGUAGES, catalogue, parse_catalogue, placeholders
from netwatch.i18n.message import Label, Message, label, localize_number, msg, render

__all__ = [
    "LANGUAGES",
    "Label",
    "Message",
    "catalogue",
    "label",
    "localize_number",
    "msg",
    "parse_catalogue",
    "placeholders",
    "render",
]
