"""Service probes, one module per prober (blackbox_exporter is the model)."""
