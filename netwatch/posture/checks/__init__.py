"""Built-in posture checks, one module per check pack, found by walking this package
(modules starting with ``_`` are shared helpers)."""
