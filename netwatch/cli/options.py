"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
