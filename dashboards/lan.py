"""LAN devices: the register, unknown devices, IP conflicts, MAC changes and new stations."""

from __future__ import annotations

from dashboards.common import JOB, OFFICE, UIDS, links
from dashboards.grafana import COUNT_INTERVAL, Dashboard, Panel, Query, Threshold
from dashboards.promql import HOST, Scope, eq

S = Scope(("office", "job"))
INFO = "netwatch_lan_device_info"
EVENTS = (
    ("new_station", "Thiết bị mới"),
    ("changed_mac", "Đổi MAC"),
    ("ip_conflict", "Xung đột IP"),
    ("flip_flop", "MAC luân phiên"),
    ("gone", "Biến mất"),
)
DEVICE_COLUMNS = {
    "office": "Cơ quan",
    "ip": "IP",
    "mac": "MAC",
    "vendor": "Hãng",
    "name": "Tên",
    "known": "Đã đăng ký",
    "Value": "Thấy lần cuối",
}


def seen(selector: str) -> str:
    """Last-seen time of the devices ``selector`` picks, with their identity labels."""
    return (
        f"{S('netwatch_lan_device_last_seen_timestamp_seconds')} * 1000"
        f" * on ({HOST}, ip, mac) group_left (vendor, name, known) {selector}"
    )


def panels() -> list[Panel]:
    return [
        Panel(
            "stat",
            "Thiết bị",
            "Remembered devices by state: known, unknown and gone.",
            [
                Query(f"sum({S('netwatch_lan_devices', eq('state', state))}) or vector(0)", label)
                for state, label in (
                    ("known", "Đã đăng ký"),
                    ("unknown", "Lạ"),
                    ("gone", "Đã biến mất"),
                )
            ],
            8,
            4,
            decimals=0,
            no_value="Chưa quét mạng LAN",
        ),
        Panel(
            "stat",
            "Số IP xung đột",
            "IPs answered by more than one MAC in the latest sweep.",
            [Query(f"count({S('netwatch_lan_ip_conflict')} == 1) or vector(0)", "IP")],
            4,
            4,
            decimals=0,
            thresholds=(Threshold("green"), Threshold("red", 1)),
            no_value="Chưa quét mạng LAN",
        ),
        Panel(
            "stat",
            "Lần quét cuối",
            "Time since each sweeping agent's last completed sweep.",
            [Query(f"time() - {S('netwatch_lan_last_sweep_timestamp_seconds')}", "{{instance}}")],
            6,
            4,
            unit="s",
            thresholds=(Threshold("green"), Threshold("orange", 1800)),
            no_value="Chưa quét mạng LAN",
        ),
        Panel(
            "stat",
            "Sự kiện trong khoảng thời gian",
            "Register events in the time range, by kind.",
            [
                Query(
                    f"sum(increase({S('netwatch_lan_events_total', eq('kind', kind))}[$__range])) "
                    f"or vector(0)",
                    label,
                )
                for kind, label in EVENTS[:3]
            ],
            6,
            4,
            decimals=0,
            thresholds=(Threshold("green"), Threshold("orange", 1)),
            no_value="Chưa quét mạng LAN",
        ),
        Panel(
            "table",
            "Thiết bị lạ",
            "Devices on the LAN that the known-devices list does not name.",
            [Query(seen(S(INFO, 'known="false"')), table=True)],
            12,
            9,
            unit="dateTimeAsLocal",
            no_value="Không có thiết bị lạ",
            columns=DEVICE_COLUMNS,
            hidden=("job", "instance", "known"),
        ),
        Panel(
            "table",
            "Xung đột IP",
            "Each MAC answering for an IP that more than one MAC claims.",
            [
                Query(
                    f"{S(INFO)} * on ({HOST}, ip) group_left () ({S('netwatch_lan_ip_conflict')} "
                    f"== 1)",
                    table=True,
                )
            ],
            12,
            9,
            no_value="Không có xung đột IP",
            columns={
                "office": "Cơ quan",
                "ip": "IP",
                "mac": "MAC",
                "vendor": "Hãng",
                "name": "Tên",
            },
            hidden=("job", "instance", "known", "Value"),
        ),
        Panel(
            "timeseries",
            "Sự kiện theo loại",
            "Register events over time: new stations, MAC changes, conflicts, flip-flops, gone.",
            [
                Query(
                    f"sum by (kind) (increase({S('netwatch_lan_events_total')}[$__interval]))",
                    "{{kind}}",
                    instant=False,
                )
            ],
            24,
            7,
            decimals=0,
            stacked=True,
            no_value="Không có sự kiện",
            min_interval=COUNT_INTERVAL,
        ),
        Panel(
            "table",
            "Danh sách thiết bị",
            "Every device that is not gone, with when it was last seen.",
            [Query(seen(S(INFO)), table=True)],
            24,
            12,
            unit="dateTimeAsLocal",
            no_value="Chưa quét mạng LAN",
            columns=DEVICE_COLUMNS,
            hidden=("job", "instance"),
        ),
    ]


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UIDS["lan"],
        title="netwatch — Thiết bị mạng LAN",
        description="Devices the agents' LAN sweeps found: the register, unknown devices, "
        "IP conflicts, MAC changes and new stations.",
        tags=["lan"],
        variables=[OFFICE, JOB],
        content=panels(),
        links=links("wall", "host"),
    )
