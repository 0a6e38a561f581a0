"""State shared by all commands of one invocation."""

from __future__ import annotations

from dataclasses import dataclass

import typer


@dataclass
class CliState:
    """Global options given before the sub-command."""

    debug: bool = False


def cli_state(ctx: typer.Context) -> CliState:
    """The invocation's state (defaults when a command runs without the root callback)."""
    state = ctx.find_object(CliState)
    return state if state is not None else CliState()
