"""PyInstaller's entry script: the ``netwatch`` console command."""

from netwatch.cli.app import main

main()
