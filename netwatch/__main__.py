"""Allow ``python -m netwatch``."""

from netwatch.cli.app import main

main()
