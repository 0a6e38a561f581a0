"""Built-in posture checks, one module per check pack (see registry.CHECK_MODULES)."""
