"""The endpoint's web config in the Prometheus exporter-toolkit format.

TLS (with client certificates), basic-auth users with bcrypt hashes and extra security
headers; :class:`WebConfigSource` re-reads the file and its certificates when they
change. docs/web-config.md describes the format.
"""

from netwatch.webconfig.config import WebConfig, load_web_config
from netwatch.webconfig.source import WebConfigSource
from netwatch.webconfig.tls import TLSSettings

__all__ = ["TLSSettings", "WebConfig", "WebConfigSource", "load_web_config"]
