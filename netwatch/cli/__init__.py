"""The ``netwatch`` command line (typer + rich)."""
