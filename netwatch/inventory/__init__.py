"""Host inventory: plain data gathered from the machine, shared by collectors and the CLI."""
