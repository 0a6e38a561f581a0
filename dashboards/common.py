"""What the dashboards share: their variables and the links between them."""

from __future__ import annotations

from dashboards.grafana import Variable
from dashboards.promql import AGENT_JOBS

OFFICE = Variable(
    "office",
    "Cơ quan",
    "The office (the external label of its Prometheus). Empty on an office's own "
    "Prometheus, where series carry no office label; 'All' matches both.",
    f'up{{job=~"{AGENT_JOBS}"}}',
    all_value=".*",
)
JOB = Variable(
    "job",
    "Job",
    "Prometheus jobs that scrape netwatch agents (from up, so an office whose agents are "
    "all down stays listed).",
    f'up{{office=~"$office", job=~"{AGENT_JOBS}"}}',
)
INSTANCE = Variable(
    "instance",
    "Máy",
    "One host (its scrape target).",
    'up{office=~"$office", job=~"$job"}',
    multi=False,
)
INSTANCES = Variable(
    "instance",
    "Máy",
    "Hosts (their scrape targets).",
    'up{office=~"$office", job=~"$job"}',
    all_value=".*",
)
SERVICE = Variable(
    "service",
    "Dịch vụ",
    "Services the agents probe.",
    'netwatch_probe_info{office=~"$office", job=~"$job"}',
    all_value=".*",
)

UIDS = {
    "wall": "netwatch-wall",
    "host": "netwatch-host",
    "services": "netwatch-services",
    "posture": "netwatch-posture",
    "lan": "netwatch-lan",
    "province": "netwatch-province",
}
TITLES = {
    "wall": "Màn hình phòng CNTT",
    "host": "Chi tiết máy",
    "services": "Dịch vụ",
    "posture": "An ninh (posture)",
    "lan": "Thiết bị mạng LAN",
    "province": "Toàn tỉnh",
}


def dashboard_url(name: str) -> str:
    """The relative URL of a shipped dashboard."""
    return f"/d/{UIDS[name]}/{UIDS[name]}"


def links(*names: str) -> list[tuple[str, str]]:
    """Dashboard links (they keep the time range and the variables)."""
    return [(TITLES[name], dashboard_url(name)) for name in names]


def host_link() -> tuple[str, str]:
    """A data link from a table row naming a host to its host dashboard.

    It keeps the time range and the data source, and takes office, job and instance from
    the row (an office Prometheus has no office column: Grafana inserts "", which
    matches its series).
    """
    return (
        "Chi tiết máy ${__data.fields.instance}",
        f"{dashboard_url('host')}?${{__url_time_range}}&${{datasource:queryparam}}"
        "&var-office=${__data.fields.office}&var-job=${__data.fields.job}"
        "&var-instance=${__data.fields.instance}",
    )


def service_link() -> tuple[str, str]:
    """A data link from a row naming a service to the services dashboard, for its agents."""
    return (
        "Các máy kiểm tra ${__data.fields.service}",
        f"{dashboard_url('services')}?${{__url_time_range}}&${{datasource:queryparam}}"
        "&var-office=${__data.fields.office}&${job:queryparam}&var-service=${__data.fields.service}",
    )


def posture_link() -> tuple[str, str]:
    """A data link from a row naming a check to the posture dashboard of its office."""
    return (
        "Các máy không đạt",
        f"{dashboard_url('posture')}?${{__url_time_range}}&${{datasource:queryparam}}"
        "&var-office=${__data.fields.office}&${job:queryparam}",
    )
