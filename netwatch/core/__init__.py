"""Shared contracts of every layer above: settings types, metric specs, the collector
protocol, error types and YAML file reading. Imports nothing of netwatch but
``netwatch.durations`` and ``netwatch.hostaccess``."""
