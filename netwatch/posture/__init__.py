"""Security posture: checks are code (small functions with metadata), policies are data."""
