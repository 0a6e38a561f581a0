"""The collector engine: runs collectors with hard timeouts and serves their snapshots."""

from netwatch.engine.engine import Engine, EngineCollector

__all__ = ["Engine", "EngineCollector"]
