"""The HTTP side of the agent: /metrics, landing page, health endpoint."""
