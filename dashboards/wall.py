"""The office wall: one 1920x1080 kiosk screen for the IT room, everything that needs a hand."""

from __future__ import annotations

from dashboards.common import JOB, OFFICE, UIDS, host_link, links, posture_link, service_link
from dashboards.grafana import DAYS, Dashboard, Mapping, Panel, Query, Threshold
from dashboards.promql import DAY, HOST, SERVICE, Scope, eq, with_target

S = Scope(("office", "job"))
RED, ORANGE, GREEN = "red", "orange", "green"
ALARM = (Threshold(GREEN), Threshold(RED, 1))
WARN = (Threshold(GREEN), Threshold(ORANGE, 1))
STALE_POSTURE = 3600
CLOCK_LIMIT = 1.0
DISK_LIMIT = 0.10

SERVICE_DOWN = f"{S('netwatch:probe_success:target')} == 0"
CERT_LEFT = (
    f"min by ({SERVICE}) ({with_target(S('netwatch_probe_tls_cert_expiry_timestamp_seconds'), S)})"
    " - time()"
)
CRITICAL_HIGH = S("netwatch_posture_check_result", 'result="fail"', 'severity=~"critical|high"')
DISK_FULL = f"{S('netwatch:filesystem_avail:ratio')} < {DISK_LIMIT}"
CLOCK_OFF = (
    f"{S('netwatch_clock_offset_seconds')} > {CLOCK_LIMIT}"
    f" or {S('netwatch_clock_offset_seconds')} < -{CLOCK_LIMIT}"
)
CONFLICT = f"{S('netwatch_lan_ip_conflict')} == 1"


def count(expr: str) -> str:
    return f"count({expr}) or vector(0)"


def stats() -> list[Panel]:
    """The top line: one number per concern, red or orange when it needs someone."""
    return [
        Panel(
            "stat",
            "Máy trạm / máy chủ",
            "Hosts whose agent Prometheus reaches (up) and cannot reach (down). A down host "
            "is switched off, disconnected or its agent stopped; its name is in the table below.",
            [
                Query(count(f"{S.up()} == 1"), "Hoạt động"),
                Query(count(f"{S.up()} == 0"), "Mất kết nối"),
            ],
            4,
            4,
            thresholds=ALARM,
            decimals=0,
            series_thresholds={"Hoạt động": (Threshold(GREEN),)},
        ),
        Panel(
            "stat",
            "Dịch vụ ngừng",
            "Services (per office and target) that at least one agent sees down now.",
            [Query(count(f"count by ({SERVICE}) ({SERVICE_DOWN})"), "Dịch vụ")],
            3,
            4,
            thresholds=ALARM,
            decimals=0,
        ),
        Panel(
            "stat",
            "Chứng thư số",
            "TLS certificates already expired (red) and expiring within 14 days (orange).",
            [
                Query(count(f"{CERT_LEFT} < 0"), "Đã hết hạn"),
                Query(count(f"{CERT_LEFT} >= 0 < 14 * {DAY}"), "Sắp hết hạn"),
            ],
            4,
            4,
            thresholds=ALARM,
            decimals=0,
            options={"colorMode": "background"},
            series_thresholds={"Sắp hết hạn": WARN},
        ),
        Panel(
            "stat",
            "Lỗi an ninh nghiêm trọng / cao",
            "Failing posture checks of critical and high severity on all hosts.",
            [
                Query(
                    count(
                        S("netwatch_posture_check_result", 'result="fail"', 'severity="critical"')
                    ),
                    "Nghiêm trọng",
                ),
                Query(
                    count(S("netwatch_posture_check_result", 'result="fail"', 'severity="high"')),
                    "Cao",
                ),
            ],
            4,
            4,
            thresholds=ALARM,
            decimals=0,
            series_thresholds={"Cao": WARN},
        ),
        Panel(
            "stat",
            "Mạng LAN",
            "Devices on the LAN not in the known-devices list, and IPs claimed by more than one "
            "MAC.",
            [
                Query(
                    f"sum({S('netwatch_lan_devices', eq('state', 'unknown'))}) or vector(0)",
                    "Thiết bị lạ",
                ),
                Query(count(CONFLICT), "Xung đột IP"),
            ],
            4,
            4,
            thresholds=WARN,
            decimals=0,
        ),
        Panel(
            "stat",
            "Ổ đĩa đầy",
            f"Filesystems with less than {DISK_LIMIT:.0%} of their space available.",
            [Query(count(DISK_FULL), "Ổ đĩa")],
            2,
            4,
            thresholds=WARN,
            decimals=0,
        ),
        Panel(
            "stat",
            "Lệch giờ",
            f"Hosts whose clock is more than {CLOCK_LIMIT:g} s away from its time source.",
            [Query(count(CLOCK_OFF), "Máy")],
            3,
            4,
            thresholds=WARN,
            decimals=0,
        ),
    ]


def tables() -> list[Panel]:
    """Who and what: the names behind the numbers."""
    last_host_info = f"topk by ({HOST}) (1, last_over_time({S('netwatch_host_info')}[1d]))"
    down = f"count by ({SERVICE}) ({SERVICE_DOWN})"
    probing = f"count by ({SERVICE}) ({S('netwatch:probe_success:target')})"
    down_for = (
        f"time() - max by ({SERVICE}) ("
        f"{with_target(S('netwatch_probe_last_success_timestamp_seconds'), S)})"
    )
    return [
        Panel(
            "table",
            "Máy mất kết nối",
            "Hosts Prometheus cannot scrape now, with the host name they last reported (within a "
            "day).",
            [
                Query(
                    f"({S.up()} == 0) * on ({HOST}) group_left (hostname) {last_host_info}"
                    f" or on ({HOST}) ({S.up()} == 0)",
                    table=True,
                )
            ],
            6,
            8,
            no_value="Mọi máy đều hoạt động",
            columns={"office": "Cơ quan", "instance": "Máy", "hostname": "Tên máy"},
            hidden=("job", "Value"),
            links=[host_link()],
        ),
        Panel(
            "table",
            "Dịch vụ đang ngừng",
            "Each service down, per office and target: how many agents see it down out of how "
            "many probe it (all of them: the service is down; one: that desk's network), and "
            "how long since any agent last saw it up ('chưa từng' when never). Click a row for "
            "the agents, in the services dashboard.",
            [
                Query(f"count by ({SERVICE}) ({SERVICE_DOWN})", table=True),
                Query(f"{probing} and on ({SERVICE}) {down}", table=True),
                Query(
                    f"({down_for}) and on ({SERVICE}) {down} or on ({SERVICE}) ({down} * 0 - 1)",
                    table=True,
                ),
            ],
            10,
            8,
            no_value="Mọi dịch vụ đều hoạt động",
            columns={
                "office": "Cơ quan",
                "service": "Dịch vụ",
                "target": "Địa chỉ",
                "Value #A": "Máy thấy ngừng",
                "Value #B": "Máy kiểm tra",
                "Value #C": "Ngừng từ",
            },
            column_units={"Value #C": "s"},
            status_column="Value #C",
            mappings=[Mapping("chưa từng", value=-1, color=RED)],
            thresholds=(Threshold(RED),),
            color_cells=True,
            links=[service_link()],
        ),
        Panel(
            "table",
            "Chứng thư số hết hạn / sắp hết hạn",
            "Certificates of probed services: expired (red, negative days) and expiring within "
            "14 days (orange).",
            [Query(f"({CERT_LEFT} < 14 * {DAY}) / {DAY}", table=True)],
            8,
            8,
            unit=DAYS,
            decimals=1,
            no_value="Không có chứng thư sắp hết hạn",
            columns={
                "office": "Cơ quan",
                "service": "Dịch vụ",
                "target": "Địa chỉ",
                "Value": "Còn (ngày)",
            },
            thresholds=(Threshold(RED), Threshold(ORANGE, 0)),
            color_cells=True,
        ),
        Panel(
            "table",
            "Kiểm tra an ninh không đạt (nghiêm trọng, cao)",
            "Failing posture checks of critical and high severity, with the number of hosts "
            "failing each. Click a row for the hosts, in the posture dashboard.",
            [Query(f"count by (office, check, severity) ({CRITICAL_HIGH})", table=True)],
            8,
            8,
            no_value="Không có lỗi nghiêm trọng hoặc cao",
            columns={
                "office": "Cơ quan",
                "check": "Kiểm tra",
                "severity": "Mức độ",
                "Value": "Số máy",
            },
            links=[posture_link()],
        ),
        Panel(
            "bargauge",
            "Máy có điểm an ninh thấp nhất",
            "The eight hosts with the lowest posture score (100 % = every check passes).",
            [Query(f"bottomk(8, {S('netwatch_posture_score_ratio')})", "{{office}} {{instance}}")],
            5,
            8,
            unit="percentunit",
            min=0,
            max=1,
            no_value="Chưa có điểm an ninh",
            thresholds=(Threshold(RED), Threshold(ORANGE, 0.5), Threshold(GREEN, 0.8)),
        ),
        Panel(
            "table",
            "Kiểm tra an ninh chưa chạy / quá cũ",
            "Hosts that are up but have no posture result ('chưa chạy': never ran or switched "
            "off), or whose last result is older than an hour.",
            [
                Query(
                    f"time() - {S('netwatch_posture_last_run_timestamp_seconds')} > {STALE_POSTURE}"
                    f" or on ({HOST}) (({S.up()} == 1) unless on ({HOST}) "
                    f"{S('netwatch_posture_last_run_timestamp_seconds')}) * 0 - 1",
                    table=True,
                )
            ],
            5,
            8,
            unit="s",
            no_value="Mọi máy đều có kết quả mới",
            columns={"office": "Cơ quan", "instance": "Máy", "Value": "Lần chạy cuối"},
            hidden=("job",),
            mappings=[Mapping("chưa chạy", value=-1, color=ORANGE)],
            links=[host_link()],
        ),
        Panel(
            "table",
            "Thiết bị lạ và xung đột IP",
            "LAN devices not in the known-devices list, and every MAC answering for an IP that "
            "more than one MAC claims.",
            [
                Query(
                    f"label_replace({S('netwatch_lan_device_info', eq('known', 'false'))}, "
                    '"problem", "Thiết bị lạ", "", "")'
                    f" or label_replace({S('netwatch_lan_device_info')} * on ({HOST}, ip) "
                    f'group_left () ({CONFLICT}), "problem", "Xung đột IP", "", "")',
                    table=True,
                )
            ],
            6,
            8,
            no_value="Không có thiết bị lạ",
            columns={
                "office": "Cơ quan",
                "problem": "Vấn đề",
                "ip": "IP",
                "mac": "MAC",
                "vendor": "Hãng",
            },
            hidden=("job", "instance", "name", "known", "Value"),
        ),
        Panel(
            "table",
            "Ổ đĩa sắp đầy",
            f"Filesystems with less than {DISK_LIMIT:.0%} available (a device mounted twice "
            f"counts once).",
            [Query(DISK_FULL, table=True)],
            8,
            7,
            unit="percentunit",
            decimals=1,
            no_value="Không có ổ đĩa sắp đầy",
            columns={
                "office": "Cơ quan",
                "instance": "Máy",
                "device": "Thiết bị",
                "Value": "Còn trống",
            },
            hidden=("job", "fstype"),
            thresholds=(Threshold(RED), Threshold(ORANGE, 0.05)),
            color_cells=True,
            links=[host_link()],
        ),
        Panel(
            "table",
            "Đồng hồ lệch",
            f"Hosts whose clock is more than {CLOCK_LIMIT:g} s from its time source (positive: "
            f"ahead).",
            [Query(CLOCK_OFF, table=True)],
            8,
            7,
            unit="s",
            decimals=2,
            no_value="Đồng hồ các máy đều đúng",
            columns={"office": "Cơ quan", "instance": "Máy", "Value": "Độ lệch"},
            hidden=("job",),
            links=[host_link()],
        ),
        Panel(
            "table",
            "Bộ thu thập đang lỗi",
            "Collectors whose last run failed, per host.",
            [Query(f"{S('netwatch_collector_success')} == 0", table=True)],
            8,
            7,
            no_value="Mọi bộ thu thập đều chạy tốt",
            columns={"office": "Cơ quan", "instance": "Máy", "collector": "Bộ thu thập"},
            hidden=("job", "Value"),
            links=[host_link()],
        ),
    ]


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UIDS["wall"],
        title="netwatch — Màn hình giám sát phòng CNTT",
        description=(
            "The IT room's wall display: which hosts are down, which services, certificates, "
            "failing critical and high checks, stale posture, LAN intruders and conflicts, "
            "clocks, full disks and broken collectors. One 1920x1080 screen in kiosk mode."
        ),
        tags=["wall"],
        variables=[OFFICE, JOB],
        content=[*stats(), *tables()],
        links=links("host", "services", "posture", "lan", "province"),
        refresh="30s",
        time_from="now-1h",
        kiosk=True,
    )
