"""Audit reports: one host's inventory, posture and services as JSON, HTML and Markdown."""
