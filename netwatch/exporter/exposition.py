"""Render metric families in the Prometheus text or OpenMetrics format."""

from __future__ import annotations

import gzip
from collections.abc import Iterable

from prometheus_client import exposition as text_format
from prometheus_client.core import Metric
from prometheus_client.openmetrics import exposition as openmetrics_format

GZIP_MIN_BYTES = 1024
# Every Prometheus version parses 0.0.4; newer client libraries label the same text 1.0.0.
TEXT_CONTENT_TYPE = getattr(
    text_format, "CONTENT_TYPE_PLAIN_0_0_4", text_format.CONTENT_TYPE_LATEST
)


class _Families:
    """The minimal registry interface the prometheus_client renderers need."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def wants_openmetrics(accept: str | None) -> bool:
    """True when the Accept header asks for OpenMetrics."""
    return accept is not None and "application/openmetrics-text" in accept


def render(
    families: Iterable[Metric], accept: str | None, accept_encoding: str | None
) -> tuple[bytes, dict[str, str]]:
    """Body and headers for a /metrics response."""
    registry = _Families(families)
    if wants_openmetrics(accept):
        body = openmetrics_format.generate_latest(registry)
        content_type = openmetrics_format.CONTENT_TYPE_LATEST
    else:
        body = text_format.generate_latest(registry)
        content_type = TEXT_CONTENT_TYPE
    headers = {"Content-Type": content_type}
    if accept_encoding and "gzip" in accept_encoding and len(body) >= GZIP_MIN_BYTES:
        body = gzip.compress(body, compresslevel=1)
        headers["Content-Encoding"] = "gzip"
    return body, headers
