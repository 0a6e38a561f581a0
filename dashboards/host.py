"""Host detail: one host's resources, network, services, posture, hardware, clock and
collectors."""

from __future__ import annotations

from dashboards.common import INSTANCE, JOB, OFFICE, SERVICE, UIDS, links
from dashboards.grafana import COUNT_INTERVAL, Dashboard, Mapping, Panel, Query, Row, Threshold
from dashboards.promql import HOST, PROBE, Scope, not_regex, regex

S = Scope(("office", "job", "instance"), single=("instance",))
P = Scope(("office", "job", "instance", "service"), single=("instance",))
RATE = "$__rate_interval"
# Share used as df's Use% counts it: used / (used + available to ordinary users).
DF_USED = (
    f"({S('netwatch_filesystem_size_bytes')} - {S('netwatch_filesystem_free_bytes')})"
    f" / ({S('netwatch_filesystem_size_bytes')} - {S('netwatch_filesystem_free_bytes')}"
    f" + {S('netwatch_filesystem_avail_bytes')})"
)
BUSY_MODES = S("netwatch_cpu_seconds_total", not_regex("mode", "idle|guest|guest_nice"))


def by_host(expr: str, *labels: str) -> str:
    """``expr`` reduced to one series per host (and ``labels``), so duplicates never join."""
    return f"max by ({', '.join([HOST, *labels])}) ({expr})"


def cpu_busy() -> str:
    cpu = "netwatch_cpu_seconds_total"
    return (
        f"1 - sum by ({HOST}) (rate({S(cpu, regex('mode', 'idle|iowait'))}[{RATE}]))"
        f" / sum by ({HOST}) (rate({S(cpu, not_regex('mode', 'guest|guest_nice'))}[{RATE}]))"
    )


def overview() -> list[Panel]:
    return [
        Panel(
            "table",
            "Thông tin máy",
            "What the host says it is: name, operating system, kernel, architecture, CPU model.",
            [
                Query(
                    f"{S('netwatch_host_info')} * on ({HOST}) group_left (model) "
                    f"{by_host(S('netwatch_cpu_info'), 'model')}"
                    f" or on ({HOST}) {S('netwatch_host_info')}",
                    table=True,
                )
            ],
            24,
            4,
            no_value="Máy chưa gửi thông tin",
            columns={
                "hostname": "Tên máy",
                "os_name": "Hệ điều hành",
                "os_version": "Phiên bản",
                "kernel": "Nhân",
                "arch": "Kiến trúc",
                "model": "CPU",
            },
            hidden=(
                "office",
                "job",
                "instance",
                "fqdn",
                "os_family",
                "os_id",
                "machine_id",
                "Value",
            ),
        ),
        Panel(
            "stat",
            "Trạng thái agent",
            "Whether Prometheus reaches the agent now.",
            [Query(S("up"), "Agent")],
            3,
            4,
            mappings=[
                Mapping("Hoạt động", 1, color="green"),
                Mapping("Mất kết nối", 0, color="red"),
            ],
            no_value="Không có trong Prometheus",
        ),
        Panel(
            "stat",
            "Thời gian chạy liên tục",
            "Time since the host booted.",
            [Query(f"time() - {S('netwatch_host_boot_time_seconds')}", "Uptime")],
            4,
            4,
            unit="s",
            no_value="Không rõ",
        ),
        Panel(
            "stat",
            "Lõi CPU",
            "Logical and physical CPU cores.",
            [
                Query(S("netwatch_cpu_logical_cores"), "Luồng"),
                Query(S("netwatch_cpu_physical_cores"), "Lõi"),
            ],
            3,
            4,
            decimals=0,
            no_value="Không rõ",
        ),
        Panel(
            "stat",
            "Bộ nhớ",
            "Installed memory.",
            [Query(S("netwatch_memory_total_bytes"), "Tổng")],
            3,
            4,
            unit="bytes",
            no_value="Không rõ",
        ),
        Panel(
            "stat",
            "Người dùng đăng nhập",
            "Distinct users logged in, and their sessions.",
            [
                Query(S("netwatch_users_logged_in"), "Người dùng"),
                Query(S("netwatch_user_sessions"), "Phiên"),
            ],
            4,
            4,
            decimals=0,
            no_value="Không có ai đăng nhập",
        ),
        Panel(
            "stat",
            "Phiên bản agent",
            "netwatch version on the host.",
            [Query(S("netwatch_build_info"), "{{version}}")],
            4,
            4,
            no_value="Không rõ",
            options={"textMode": "name"},
        ),
        Panel(
            "stat",
            "Phần mềm đã cài",
            "Installed packages or programs, per package manager (the software collector).",
            [Query(S("netwatch_software_installed_packages"), "{{manager}}")],
            3,
            4,
            decimals=0,
            no_value="Chưa thu thập",
        ),
    ]


def resources() -> Row:
    fs = "netwatch_filesystem_avail_bytes"
    return Row(
        "Tài nguyên (CPU, bộ nhớ, ổ đĩa)",
        [
            Panel(
                "timeseries",
                "Mức dùng CPU",
                "Busy share of all processors, from the CPU time counters.",
                [Query(cpu_busy(), "Bận", instant=False)],
                8,
                8,
                unit="percentunit",
                min=0,
                max=1,
                no_value="Chưa có số liệu CPU",
            ),
            Panel(
                "timeseries",
                "Tải hệ thống (load)",
                "Load averages over 1, 5 and 15 minutes (0 on Windows).",
                [Query(S(f"netwatch_load{n}"), f"{n} phút", instant=False) for n in (1, 5, 15)],
                8,
                8,
                no_value="Chưa có số liệu tải",
            ),
            Panel(
                "timeseries",
                "Bộ nhớ đang dùng",
                "Memory in use (total minus available), and swap in use.",
                [
                    Query(
                        f"{S('netwatch_memory_total_bytes')} - "
                        f"{S('netwatch_memory_available_bytes')}",
                        "Bộ nhớ",
                        instant=False,
                    ),
                    Query(
                        f"{S('netwatch_swap_total_bytes')} - {S('netwatch_swap_free_bytes')}",
                        "Swap",
                        instant=False,
                    ),
                ],
                8,
                8,
                unit="bytes",
                no_value="Chưa có số liệu bộ nhớ",
            ),
            Panel(
                "timeseries",
                "CPU theo chế độ",
                "CPU time by mode, as a share of all processors.",
                [
                    Query(
                        f"sum by ({HOST}, mode) (rate({BUSY_MODES}[{RATE}]))"
                        f" / on ({HOST}) group_left {S('netwatch_cpu_logical_cores')}",
                        "{{mode}}",
                        instant=False,
                    )
                ],
                8,
                8,
                unit="percentunit",
                stacked=True,
                no_value="Chưa có số liệu CPU",
            ),
            Panel(
                "table",
                "Ổ đĩa",
                "Every filesystem: size, space available to users, and share used as df counts it.",
                [
                    Query(
                        by_host(
                            S("netwatch_filesystem_size_bytes"), "device", "mountpoint", "fstype"
                        ),
                        table=True,
                    ),
                    Query(by_host(S(fs), "device", "mountpoint", "fstype"), table=True),
                    Query(
                        by_host(
                            DF_USED,
                            "device",
                            "mountpoint",
                            "fstype",
                        ),
                        table=True,
                    ),
                ],
                16,
                8,
                no_value="Chưa có số liệu ổ đĩa",
                columns={
                    "mountpoint": "Điểm gắn",
                    "device": "Thiết bị",
                    "fstype": "Kiểu",
                    "Value #A": "Dung lượng",
                    "Value #B": "Còn trống",
                    "Value #C": "Đã dùng",
                },
                column_units={"Value #A": "bytes", "Value #B": "bytes", "Value #C": "percentunit"},
                hidden=("office", "job", "instance"),
            ),
        ],
    )


def network() -> Row:
    def traffic(direction: str) -> str:
        return f"rate({S(f'netwatch_network_{direction}_bytes_total')}[{RATE}])"

    def errors(direction: str, kind: str) -> str:
        return f"rate({S(f'netwatch_network_{direction}_{kind}_total')}[{RATE}])"

    return Row(
        "Mạng",
        [
            Panel(
                "timeseries",
                "Lưu lượng mạng",
                "Bytes per second received and sent, per interface.",
                [
                    Query(traffic("receive"), "{{device}} nhận", instant=False),
                    Query(traffic("transmit"), "{{device}} gửi", instant=False),
                ],
                12,
                8,
                unit="Bps",
                no_value="Chưa có số liệu mạng",
            ),
            Panel(
                "timeseries",
                "Lỗi và gói tin bị bỏ",
                "Errors and dropped packets per second, per interface.",
                [
                    Query(errors(d, k), f"{{{{device}}}} {d} {k}", instant=False)
                    for d in ("receive", "transmit")
                    for k in ("errors", "drop")
                ],
                12,
                8,
                unit="pps",
                no_value="Không có lỗi mạng",
            ),
            Panel(
                "table",
                "Giao diện mạng",
                "Interfaces: link state, speed, MAC and MTU.",
                [
                    Query(
                        f"{S('netwatch_network_up')} * on ({HOST}, device) group_left (mac, mtu) "
                        f"{by_host(S('netwatch_network_info'), 'device', 'mac', 'mtu')}",
                        table=True,
                    )
                ],
                12,
                7,
                no_value="Chưa có số liệu mạng",
                columns={"device": "Giao diện", "mac": "MAC", "mtu": "MTU", "Value": "Kết nối"},
                hidden=("office", "job", "instance"),
                mappings=[Mapping("Lên", 1, color="green"), Mapping("Xuống", 0, color="red")],
            ),
            Panel(
                "table",
                "Địa chỉ IP",
                "The host's IPv4 and IPv6 addresses.",
                [Query(S("netwatch_network_address_info"), table=True)],
                12,
                7,
                no_value="Chưa có địa chỉ IP",
                columns={
                    "device": "Giao diện",
                    "family": "Loại",
                    "address": "Địa chỉ",
                    "prefix": "Prefix",
                },
                hidden=("office", "job", "instance", "Value"),
            ),
        ],
    )


def services() -> Row:
    def per_service(metric: str, *matchers: str) -> str:
        return f"max by ({PROBE}) ({P(metric, *matchers)})"

    return Row(
        "Dịch vụ đo từ máy này",
        [
            Panel(
                "table",
                "Trạng thái dịch vụ",
                "Each service this host probes: up or down, total time of the last probe, HTTP "
                "status.",
                [
                    Query(per_service("netwatch_probe_success"), table=True),
                    Query(
                        per_service("netwatch_probe_duration_seconds", 'phase="total"'), table=True
                    ),
                    Query(per_service("netwatch_probe_http_status_code"), table=True),
                ],
                12,
                8,
                no_value="Máy này không đo dịch vụ nào",
                columns={
                    "service": "Dịch vụ",
                    "kind": "Loại",
                    "Value #A": "Trạng thái",
                    "Value #B": "Thời gian",
                    "Value #C": "Mã HTTP",
                },
                column_units={"Value #B": "s"},
                hidden=("office", "job", "instance"),
                mappings=[Mapping("Hoạt động", 1, color="green"), Mapping("Ngừng", 0, color="red")],
            ),
            Panel(
                "timeseries",
                "Thời gian phản hồi",
                "Total time of each probe.",
                [
                    Query(
                        P("netwatch_probe_duration_seconds", 'phase="total"'),
                        "{{service}}",
                        instant=False,
                    )
                ],
                12,
                8,
                unit="s",
                no_value="Máy này không đo dịch vụ nào",
            ),
            Panel(
                "timeseries",
                "Lỗi đo kiểm theo nguyên nhân",
                "Failed probes by service and reason.",
                [
                    Query(
                        f"sum by ({HOST}, service, reason) "
                        f"(increase({P('netwatch_probe_failures_total')}[$__interval]))",
                        "{{service}}: {{reason}}",
                        instant=False,
                    )
                ],
                24,
                7,
                no_value="Không có lần đo nào lỗi",
                min_interval=COUNT_INTERVAL,
            ),
        ],
    )


def posture() -> Row:
    return Row(
        "An ninh (posture)",
        [
            Panel(
                "stat",
                "Điểm an ninh",
                "Posture score: the weighted share of checks that pass.",
                [Query(S("netwatch_posture_score_ratio"), "Điểm")],
                4,
                5,
                unit="percentunit",
                no_value="Chưa chạy kiểm tra",
                thresholds=(Threshold("red"), Threshold("orange", 0.5), Threshold("green", 0.8)),
            ),
            Panel(
                "stat",
                "Lần chạy cuối",
                "Time since the last posture run finished.",
                [Query(f"time() - {S('netwatch_posture_last_run_timestamp_seconds')}", "Cách đây")],
                4,
                5,
                unit="s",
                no_value="Chưa chạy kiểm tra",
                thresholds=(Threshold("green"), Threshold("orange", 3600)),
            ),
            Panel(
                "stat",
                "Không đạt theo mức độ",
                "Failing checks by severity.",
                [
                    Query(S("netwatch_posture_failed_checks", f'severity="{s}"'), label)
                    for s, label in (
                        ("critical", "Nghiêm trọng"),
                        ("high", "Cao"),
                        ("medium", "Trung bình"),
                    )
                ],
                8,
                5,
                decimals=0,
                thresholds=(Threshold("green"), Threshold("red", 1)),
                no_value="Chưa chạy kiểm tra",
            ),
            Panel(
                "stat",
                "Miễn trừ đã hết hạn",
                "Waivers in the policy whose date has passed.",
                [Query(S("netwatch_posture_expired_waivers"), "Miễn trừ")],
                4,
                5,
                decimals=0,
                thresholds=(Threshold("green"), Threshold("orange", 1)),
                no_value="Chưa chạy kiểm tra",
            ),
            Panel(
                "stat",
                "Chính sách",
                "The policy the checks ran under.",
                [Query(S("netwatch_posture_policy_info"), "{{policy}}")],
                4,
                5,
                options={"textMode": "name"},
                no_value="Chưa chạy kiểm tra",
            ),
            Panel(
                "table",
                "Kiểm tra chưa đạt",
                "Checks that did not pass in the last run (fail, error, waived). Empty with 'Lần "
                "chạy cuối' empty means the checks never ran, not that they pass.",
                [
                    Query(
                        S(
                            "netwatch_posture_check_result",
                            'result!="pass"',
                            'result!="not_applicable"',
                        ),
                        table=True,
                    )
                ],
                24,
                10,
                no_value="Không có kiểm tra chưa đạt (nếu ô 'Lần chạy cuối' trống: chưa chạy)",
                columns={
                    "check": "Kiểm tra",
                    "severity": "Mức độ",
                    "category": "Nhóm",
                    "result": "Kết quả",
                },
                hidden=("office", "job", "instance", "Value"),
            ),
        ],
    )


def hardware() -> Row:
    def joined(metric: str, info: str, label: str) -> str:
        """``metric`` with ``label`` of ``info`` added where the host has it."""
        return (
            f"{S(metric)} * on ({HOST}) group_left ({label}) {by_host(S(info), label)}"
            f" or on ({HOST}) {S(metric)}"
        )

    changes = S("netwatch_hardware_changes_total")
    return Row(
        "Phần cứng và bản quyền",
        [
            Panel(
                "table",
                "Định danh phần cứng",
                "The machine as its maker names it, and its firmware (BIOS/UEFI); read once a "
                "day by the hardware collector.",
                [Query(S("netwatch_host_hardware_info"), table=True)],
                12,
                5,
                no_value="Chưa thu thập phần cứng",
                columns={
                    "manufacturer": "Hãng",
                    "model": "Model",
                    "chassis": "Loại máy",
                    "firmware_vendor": "Hãng BIOS/UEFI",
                    "firmware_version": "Phiên bản BIOS/UEFI",
                },
                hidden=("office", "job", "instance", "Value"),
            ),
            Panel(
                "stat",
                "Secure Boot và TPM",
                "Whether UEFI Secure Boot is on and the host has a TPM (with its version). "
                "Empty: not readable (a BIOS machine, or no privilege).",
                [
                    Query(S("netwatch_host_secure_boot_enabled"), "Secure Boot"),
                    Query(
                        joined(
                            "netwatch_host_tpm_present", "netwatch_host_tpm_version_info", "version"
                        ),
                        "TPM {{version}}",
                    ),
                ],
                6,
                5,
                mappings=[Mapping("Có", 1, color="green"), Mapping("Không", 0, color="red")],
                no_value="Không rõ",
            ),
            Panel(
                "stat",
                "Kích hoạt bản quyền",
                "Windows activation by licence channel, and each Office product's.",
                [
                    Query(S("netwatch_host_windows_activated"), "Windows ({{channel}})"),
                    Query(S("netwatch_host_office_activated"), "{{product}}"),
                ],
                6,
                5,
                mappings=[
                    Mapping("Đã kích hoạt", 1, color="green"),
                    Mapping("Chưa kích hoạt", 0, color="red"),
                ],
                no_value="Không có (máy Linux hoặc chưa thu thập)",
            ),
            Panel(
                "stat",
                "Bộ phận",
                "RAM modules (unreadable without root on Linux), physical disks, monitors and "
                "printers.",
                [
                    Query(S("netwatch_host_memory_modules"), "Thanh RAM"),
                    Query(S("netwatch_host_physical_disks"), "Ổ đĩa"),
                    Query(S("netwatch_host_monitors"), "Màn hình"),
                    Query(S("netwatch_host_printers"), "Máy in"),
                ],
                8,
                5,
                decimals=0,
                no_value="Chưa thu thập phần cứng",
            ),
            Panel(
                "stat",
                "RAM lắp đặt",
                "RAM installed: the sum of the modules' sizes.",
                [Query(S("netwatch_host_memory_installed_bytes"), "RAM")],
                4,
                5,
                unit="bytes",
                no_value="Không đọc được",
            ),
            Panel(
                "stat",
                "Thu thập và thay đổi",
                "Time since the hardware was last read, and since the last hardware change.",
                [
                    Query(
                        f"time() - {S('netwatch_hardware_collection_timestamp_seconds')}",
                        "Lần đọc cuối",
                    ),
                    Query(
                        f"time() - {S('netwatch_hardware_last_change_timestamp_seconds')}",
                        "Lần thay đổi cuối",
                    ),
                ],
                4,
                5,
                unit="s",
                no_value="Chưa có",
            ),
            Panel(
                "table",
                "Thay đổi phần cứng gần đây",
                "Hardware changes in the selected time range, by component and kind; the "
                "agent's log names the parts before and after.",
                [
                    Query(
                        f"round(sum by ({HOST}, component, change) "
                        f"(increase({changes}[$__range]))) > 0",
                        table=True,
                    )
                ],
                8,
                5,
                no_value="Không có thay đổi phần cứng",
                columns={"component": "Bộ phận", "change": "Thay đổi", "Value": "Số lần"},
                hidden=("office", "job", "instance"),
            ),
        ],
    )


def clock_and_collectors() -> Row:
    return Row(
        "Đồng hồ và bộ thu thập",
        [
            Panel(
                "timeseries",
                "Độ lệch đồng hồ",
                "Local clock minus the time source (positive: ahead).",
                [Query(S("netwatch_clock_offset_seconds"), "Độ lệch", instant=False)],
                12,
                8,
                unit="s",
                no_value="Chưa đo được đồng hồ",
            ),
            Panel(
                "table",
                "Bộ thu thập",
                "Each collector: last run succeeded, its duration, time since its last success.",
                [
                    Query(by_host(S("netwatch_collector_success"), "collector"), table=True),
                    Query(
                        by_host(S("netwatch_collector_duration_seconds"), "collector"), table=True
                    ),
                    Query(
                        by_host(
                            f"time() - {S('netwatch_collector_last_success_timestamp_seconds')}",
                            "collector",
                        ),
                        table=True,
                    ),
                ],
                12,
                8,
                no_value="Chưa có số liệu bộ thu thập",
                columns={
                    "collector": "Bộ thu thập",
                    "Value #A": "Trạng thái",
                    "Value #B": "Thời gian chạy",
                    "Value #C": "Lần đạt cuối",
                },
                column_units={"Value #B": "s", "Value #C": "s"},
                hidden=("office", "job", "instance"),
                mappings=[Mapping("Tốt", 1, color="green"), Mapping("Lỗi", 0, color="red")],
            ),
        ],
    )


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UIDS["host"],
        title="netwatch — Chi tiết máy",
        description="One host: what it is, its resources, network, the services it probes, "
        "its security posture, its hardware and licences, its clock and the health of its "
        "collectors.",
        tags=["host"],
        variables=[OFFICE, JOB, INSTANCE, SERVICE],
        content=[
            Row("Tổng quan", overview(), collapsed=False),
            resources(),
            network(),
            services(),
            posture(),
            hardware(),
            clock_and_collectors(),
        ],
        links=links("wall", "services", "posture", "lan"),
    )
