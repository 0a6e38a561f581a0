"""The asset register: hardware identity, licences, who uses a machine, and what changed."""
