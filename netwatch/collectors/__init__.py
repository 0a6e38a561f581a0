"""Collectors: one module each, registered in :mod:`netwatch.collectors.registry`."""
