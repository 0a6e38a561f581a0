"""netwatch: a lightweight monitoring agent for small office networks."""

__version__ = "0.1.0"
