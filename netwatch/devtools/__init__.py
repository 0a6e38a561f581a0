"""Developer tools: documentation generated from the code."""
