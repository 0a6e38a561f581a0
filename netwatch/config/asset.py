"""The ``asset:`` section: where this machine belongs in the office's asset register."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from netwatch.assets.model import Assignment
from netwatch.core.settings import StrictModel


class AssetSettings(StrictModel):
    """What the machine cannot tell about itself; ``report assets --assets-csv`` may override
    it office-wide (by serial or MAC)."""

    asset_tag: str | None = Field(None, max_length=100, description="The office's asset number.")
    department: str | None = Field(None, max_length=200, description="Phòng ban (department).")
    room: str | None = Field(None, max_length=200, description="Room or location.")
    owner: str | None = Field(None, max_length=200, description="The person the machine is for.")
    purchase_date: dt.date | None = Field(None, description="Date of purchase (YYYY-MM-DD).")

    def assignment(self) -> Assignment | None:
        """The inventory's ``assignment`` (None when nothing is configured)."""
        values = self.model_dump(exclude_none=True)
        if not values:
            return None
        if "purchase_date" in values:
            values["purchase_date"] = values["purchase_date"].isoformat()
        return Assignment(**values)
