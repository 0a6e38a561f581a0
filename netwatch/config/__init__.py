"""Configuration: pydantic models, YAML loading with line numbers, rendering."""
