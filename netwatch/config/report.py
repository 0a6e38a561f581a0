"""The ``report:`` section of the configuration: names printed on the reports."""

from __future__ import annotations

from pydantic import Field

from netwatch.core.settings import StrictModel


class ReportSettings(StrictModel):
    """Defaults for ``netwatch audit`` and ``report merge`` (their options win)."""

    office: str = Field("", max_length=200, description="Office name printed on the cover.")
    preparer: str = Field(
        "", max_length=200, description="Who prepares the reports (the signature block)."
    )
    approver: str = Field(
        "", max_length=200, description="Who approves the reports (the signature block)."
    )
