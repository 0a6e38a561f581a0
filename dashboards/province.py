"""Province overview: one row per office, each linking into that office's wall."""

from __future__ import annotations

from dashboards.common import JOB, OFFICE, UIDS, dashboard_url, links
from dashboards.grafana import Dashboard, Panel, Query, Threshold
from dashboards.promql import SERVICE, Scope, eq, keep_offices

S = Scope(("office", "job"))
RESULT = "netwatch_posture_check_result"
OFFICE_WALL = (
    "Màn hình của ${__data.fields.office}",
    f"{dashboard_url('wall')}?var-office=${{__data.fields.office}}"
    "&${__url_time_range}&${datasource:queryparam}&${job:queryparam}",
)


def per_office() -> dict[str, str]:
    """Each column of the office table: a query giving one value for every office."""
    return {
        "Máy hoạt động": f"sum by (office) ({S.up()})",
        "Máy mất kết nối": f"count by (office) ({S.up()}) - sum by (office) ({S.up()})",
        "Dịch vụ ngừng": keep_offices(
            f"count by (office) (count by ({SERVICE}) ({S('netwatch:probe_success:target')} == 0))",
            S,
        ),
        "Lỗi nghiêm trọng": keep_offices(
            f"count by (office) ({S(RESULT, eq('result', 'fail'), eq('severity', 'critical'))})", S
        ),
        "Thiết bị lạ": keep_offices(
            f"sum by (office) ({S('netwatch_lan_devices', eq('state', 'unknown'))})", S
        ),
    }


def panels() -> list[Panel]:
    columns = per_office()
    value_names = {f"Value #{chr(ord('A') + n)}": name for n, name in enumerate(columns)}
    return [
        Panel(
            "stat",
            "Toàn tỉnh",
            "Offices reporting, hosts up and hosts down across the province.",
            [
                Query(f"count(count by (office) ({S.up()})) or vector(0)", "Cơ quan"),
                Query(f"sum({S.up()}) or vector(0)", "Máy hoạt động"),
                Query(f"count({S.up()} == 0) or vector(0)", "Máy mất kết nối"),
            ],
            24,
            4,
            decimals=0,
            no_value="Chưa có cơ quan nào gửi số liệu",
            series_thresholds={"Máy mất kết nối": (Threshold("green"), Threshold("red", 1))},
        ),
        Panel(
            "table",
            "Các cơ quan",
            "One row per office: hosts up and down, services down, failing critical checks and "
            "unknown LAN devices. Click an office to open its wall.",
            [Query(expr, table=True) for expr in columns.values()],
            24,
            14,
            decimals=0,
            no_value="Chưa có cơ quan nào gửi số liệu",
            columns={"office": "Cơ quan", **value_names},
            thresholds=(Threshold("green"), Threshold("red", 1)),
            links=[OFFICE_WALL],
        ),
        Panel(
            "timeseries",
            "Máy mất kết nối theo cơ quan",
            "Hosts down per office over time.",
            [Query(f"count by (office) ({S.up()} == 0)", "{{office}}", instant=False)],
            12,
            8,
            decimals=0,
            no_value="Không có máy mất kết nối",
        ),
        Panel(
            "timeseries",
            "Dịch vụ ngừng theo cơ quan",
            "Services down per office over time.",
            [
                Query(
                    f"count by (office) (count by ({SERVICE}) "
                    f"({S('netwatch:probe_success:target')} == 0))",
                    "{{office}}",
                    instant=False,
                )
            ],
            12,
            8,
            decimals=0,
            no_value="Không có dịch vụ ngừng",
        ),
    ]


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UIDS["province"],
        title="netwatch — Toàn tỉnh",
        description="The province at a glance: one row per office, from the central "
        "VictoriaMetrics (or federating Prometheus), each linking into the office's wall.",
        tags=["province"],
        variables=[OFFICE, JOB],
        content=panels(),
        links=links("wall", "services", "posture", "lan"),
    )
