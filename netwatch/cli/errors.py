"""Exit codes and turning known errors into one friendly line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import NoReturn

import typer


class ExitCode(IntEnum):
    """Documented exit codes of every netwatch command."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    RUNTIME = 3
    # sysexits' EX_TEMPFAIL: the agent stopped itself (memory ceiling) to be restarted.
    RESTART = 75
    INTERRUPTED = 130


def fail(message: str, code: ExitCode) -> NoReturn:
    """Print ``netwatch: error: message`` to stderr and exit with ``code``."""
    typer.echo(f"netwatch: error: {message}", err=True)
    raise typer.Exit(int(code))


@contextmanager
def friendly_errors(debug: bool) -> Iterator[None]:
    """Map known exceptions to exit codes; tracebacks only with ``--debug``."""
    from netwatch.core.errors import UsageError
    from netwatch.core.yamlfile import ConfigError

    try:
        yield
    except typer.Exit:
        raise
    except ConfigError as exc:
        for line in exc.lines():
            typer.echo(f"netwatch: config error: {line}", err=True)
        raise typer.Exit(int(ExitCode.USAGE)) from None
    except UsageError as exc:
        fail(str(exc), ExitCode.USAGE)
    except KeyboardInterrupt:
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as exc:
        if debug:
            raise
        from netwatch.core.secrets import mask_text

        message = mask_text(f"{type(exc).__name__}: {exc}")
        fail(f"{message} (run with --debug for details)", ExitCode.RUNTIME)
