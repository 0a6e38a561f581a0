"""``users``: logged-in users and sessions."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from netwatch.collectors.registry import CollectorSettings, CollectorSpec, register
from netwatch.core.collector import AgentConfig
from netwatch.core.metrics import MetricSpec
from netwatch.hostaccess import HostAccess
from netwatch.inventory.users import gather_sessions

USERS = MetricSpec("netwatch_users_logged_in", "gauge", "Distinct users with a login session.")
SESSIONS = MetricSpec(
    "netwatch_user_sessions", "gauge", "Login sessions (console, terminal and remote)."
)


class UsersSettings(CollectorSettings):
    """No settings beyond on/off and timeout."""


class UsersCollector:
    """Counts login sessions; user names are not exported (they would be unbounded labels)."""

    def collect(self) -> Iterator[Metric]:
        sessions = gather_sessions()
        yield USERS.single(len({s.user for s in sessions}))
        yield SESSIONS.single(len(sessions))


def _build(settings: UsersSettings, access: HostAccess, config: AgentConfig) -> UsersCollector:
    return UsersCollector()


SPEC = register(
    CollectorSpec(
        name="users",
        description="Logged-in user and session counts.",
        settings_model=UsersSettings,
        factory=_build,
        metrics=(USERS, SESSIONS),
    )
)
