"""Parsers for the configuration files posture checks judge, one module per format.

Each reads a file the way the program that uses it does (its comments, quoting, includes,
defaults and last-or-first-match rules, written down in the module's docstring) and
says when that program would refuse the file, instead of judging it anyway. The
differential tests in tests/differential/ compare them with the real programs.
"""
