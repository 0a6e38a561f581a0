"""LAN discovery: ARP sweeps, a device registry with arpwatch semantics, Prometheus targets."""
