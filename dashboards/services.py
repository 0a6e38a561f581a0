"""Services: availability, latency by phase, status codes and certificates, per target and agent."""

from __future__ import annotations

from dashboards.common import JOB, OFFICE, SERVICE, UIDS, links
from dashboards.grafana import COUNT_INTERVAL, DAYS, Dashboard, Mapping, Panel, Query, Threshold
from dashboards.promql import DAY, PROBE, Scope, ne, with_target
from dashboards.promql import SERVICE as SERVICE_KEY

S = Scope(("office", "job", "service"))
RATE = "$__rate_interval"


def latest(metric: str, *matchers: str, by: str = "") -> str:
    """``metric`` per agent and service (and ``by``), with the target attached."""
    keys = f"{PROBE}, target{', ' + by if by else ''}"
    return f"max by ({keys}) ({with_target(S(metric, *matchers), S)})"


PHASES = latest("netwatch_probe_duration_seconds", ne("phase", "total"), by="phase")


def panels() -> list[Panel]:
    return [
        Panel(
            "table",
            "Dịch vụ theo máy kiểm tra",
            "Every (service, agent) pair: up or down, total time and HTTP status of the last "
            "probe, and how long since that agent last saw the service up.",
            [
                Query(latest("netwatch_probe_success"), table=True),
                Query(latest("netwatch_probe_duration_seconds", 'phase="total"'), table=True),
                Query(latest("netwatch_probe_http_status_code"), table=True),
                Query(
                    f"time() - {latest('netwatch_probe_last_success_timestamp_seconds')}",
                    table=True,
                ),
            ],
            24,
            8,
            no_value="Chưa cấu hình dịch vụ nào",
            columns={
                "office": "Cơ quan",
                "service": "Dịch vụ",
                "target": "Địa chỉ",
                "instance": "Máy kiểm tra",
                "kind": "Loại",
                "Value #A": "Trạng thái",
                "Value #B": "Thời gian",
                "Value #C": "Mã HTTP",
                "Value #D": "Đạt lần cuối",
            },
            column_units={"Value #B": "s", "Value #D": "s"},
            hidden=("job",),
            mappings=[Mapping("Hoạt động", 1, color="green"), Mapping("Ngừng", 0, color="red")],
        ),
        Panel(
            "timeseries",
            "Tỉ lệ sẵn sàng",
            "Share of probes that succeeded, per service and target (all agents together).",
            [
                Query(
                    f"avg by ({SERVICE_KEY}) "
                    f"(avg_over_time({S('netwatch:probe_success:target')}[{RATE}]))",
                    "{{office}} {{service}}",
                    instant=False,
                )
            ],
            12,
            8,
            unit="percentunit",
            min=0,
            max=1,
            no_value="Chưa cấu hình dịch vụ nào",
        ),
        Panel(
            "timeseries",
            "Độ trễ theo giai đoạn",
            "Time of each phase of the probe (DNS, connect, TLS, first byte...), averaged over "
            "agents.",
            [
                Query(
                    f"avg by ({SERVICE_KEY}, phase) ({PHASES})",
                    "{{service}} {{phase}}",
                    instant=False,
                )
            ],
            12,
            8,
            unit="s",
            stacked=True,
            no_value="Chưa có số liệu độ trễ",
        ),
        Panel(
            "timeseries",
            "Thời gian phản hồi theo máy kiểm tra",
            "Total time of the last probe, per agent and service.",
            [
                Query(
                    latest("netwatch_probe_duration_seconds", 'phase="total"'),
                    "{{instance}} → {{service}}",
                    instant=False,
                )
            ],
            12,
            8,
            unit="s",
            no_value="Chưa có số liệu độ trễ",
        ),
        Panel(
            "timeseries",
            "Mã trạng thái HTTP",
            "HTTP status code of the last probe, per agent and service.",
            [
                Query(
                    latest("netwatch_probe_http_status_code"),
                    "{{instance}} → {{service}}",
                    instant=False,
                )
            ],
            12,
            8,
            no_value="Không có dịch vụ HTTP",
        ),
        Panel(
            "table",
            "Chứng thư số",
            "Days left on each service's certificate, per agent (negative: expired).",
            [
                Query(
                    f"({latest('netwatch_probe_tls_cert_expiry_timestamp_seconds')} - time()) / "
                    f"{DAY}",
                    table=True,
                )
            ],
            12,
            8,
            unit=DAYS,
            decimals=1,
            no_value="Không có dịch vụ TLS",
            columns={
                "office": "Cơ quan",
                "service": "Dịch vụ",
                "target": "Địa chỉ",
                "instance": "Máy kiểm tra",
                "Value": "Còn (ngày)",
            },
            hidden=("job", "kind"),
            color_cells=True,
            thresholds=(Threshold("red"), Threshold("orange", 0), Threshold("green", 14)),
        ),
        Panel(
            "timeseries",
            "Lỗi đo kiểm theo nguyên nhân",
            "Failed probes by service and reason.",
            [
                Query(
                    f"sum by ({SERVICE_KEY}, reason) "
                    f"(increase({S('netwatch_probe_failures_total')}[$__interval])"
                    f" * on ({PROBE}) group_left (target) {S('netwatch_probe_info')})",
                    "{{service}}: {{reason}}",
                    instant=False,
                )
            ],
            12,
            8,
            no_value="Không có lần đo nào lỗi",
            min_interval=COUNT_INTERVAL,
        ),
    ]


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UIDS["services"],
        title="netwatch — Dịch vụ",
        description="Internal services as the agents see them: availability, latency by "
        "phase, HTTP status codes and certificate expiry, by target and by the agent probing.",
        tags=["services"],
        variables=[OFFICE, JOB, SERVICE],
        content=panels(),
        links=links("wall", "host"),
    )
