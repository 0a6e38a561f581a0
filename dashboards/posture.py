"""Security posture: scores, failing checks by severity and category, waivers, changes."""

from __future__ import annotations

from dashboards.common import INSTANCES, JOB, OFFICE, UIDS, host_link, links
from dashboards.grafana import Dashboard, Mapping, Panel, Query, Threshold
from dashboards.promql import HOST, Scope, eq

S = Scope(("office", "job", "instance"))
RESULT = "netwatch_posture_check_result"
SCORE_COLOURS = (Threshold("red"), Threshold("orange", 0.5), Threshold("green", 0.8))
CHECK_COLUMNS = {"office": "Cơ quan", "instance": "Máy", "check": "Kiểm tra", "severity": "Mức độ"}
SEVERITIES = (
    ("critical", "Nghiêm trọng"),
    ("high", "Cao"),
    ("medium", "Trung bình"),
    ("low", "Thấp"),
)


def panels() -> list[Panel]:
    return [
        Panel(
            "bargauge",
            "Điểm an ninh theo máy",
            "Each host's posture score (100 % = every check passes).",
            [Query(f"sort({S('netwatch_posture_score_ratio')})", "{{office}} {{instance}}")],
            8,
            10,
            unit="percentunit",
            min=0,
            max=1,
            thresholds=SCORE_COLOURS,
            no_value="Chưa máy nào chạy kiểm tra",
        ),
        Panel(
            "stat",
            "Kiểm tra không đạt theo mức độ",
            "Failing checks on all selected hosts, by severity.",
            [
                Query(
                    f"count({S(RESULT, eq('result', 'fail'), eq('severity', s))}) or vector(0)",
                    label,
                )
                for s, label in SEVERITIES
            ],
            8,
            5,
            decimals=0,
            thresholds=(Threshold("green"), Threshold("red", 1)),
            no_value="Không có",
        ),
        Panel(
            "bargauge",
            "Không đạt theo nhóm",
            "Failing checks on all selected hosts, by category.",
            [
                Query(
                    f"sort_desc(count by (category) ({S(RESULT, eq('result', 'fail'))}))",
                    "{{category}}",
                )
            ],
            8,
            5,
            decimals=0,
            thresholds=(Threshold("orange"),),
            no_value="Không có kiểm tra không đạt",
        ),
        Panel(
            "table",
            "Máy chưa chạy / kết quả cũ",
            "Hosts up without a posture result ('chưa chạy': never ran or switched off), and "
            "the age of every host's last run.",
            [
                Query(
                    f"time() - {S('netwatch_posture_last_run_timestamp_seconds')}"
                    f" or on ({HOST}) (({S('up')} == 1) unless on ({HOST}) "
                    f"{S('netwatch_posture_last_run_timestamp_seconds')}) * 0 - 1",
                    table=True,
                )
            ],
            16,
            5,
            unit="s",
            no_value="Không có máy nào",
            columns={"office": "Cơ quan", "instance": "Máy", "Value": "Lần chạy cuối"},
            hidden=("job",),
            mappings=[Mapping("chưa chạy", -1, color="orange")],
            thresholds=(Threshold("green"), Threshold("orange", 3600)),
            color_cells=True,
            links=[host_link()],
        ),
        Panel(
            "table",
            "Kiểm tra không đạt",
            "Every failing check on every selected host.",
            [Query(S(RESULT, 'result="fail"'), table=True)],
            12,
            10,
            no_value="Không có kiểm tra không đạt",
            columns={
                "office": "Cơ quan",
                "instance": "Máy",
                "check": "Kiểm tra",
                "severity": "Mức độ",
                "category": "Nhóm",
            },
            hidden=("job", "result", "Value"),
            links=[host_link()],
        ),
        Panel(
            "table",
            "Miễn trừ",
            "Checks waived by the policy, and hosts with expired waivers.",
            [
                Query(S(RESULT, 'result="waived"'), table=True),
            ],
            12,
            10,
            no_value="Không có miễn trừ",
            columns=CHECK_COLUMNS,
            hidden=("job", "result", "category", "Value"),
        ),
        Panel(
            "stat",
            "Miễn trừ đã hết hạn",
            "Waivers past their date, on all selected hosts.",
            [Query(f"sum({S('netwatch_posture_expired_waivers')}) or vector(0)", "Miễn trừ")],
            4,
            6,
            decimals=0,
            thresholds=(Threshold("green"), Threshold("orange", 1)),
            no_value="Không có",
        ),
        Panel(
            "table",
            "Mới không đạt trong khoảng thời gian",
            "Checks failing now that were not failing at the start of the time range.",
            [
                Query(
                    f"{S(RESULT, eq('result', 'fail'))} unless {S(RESULT, eq('result', 'fail'))} "
                    f"offset $__range",
                    table=True,
                )
            ],
            10,
            6,
            no_value="Không có lỗi mới",
            columns=CHECK_COLUMNS,
            hidden=("job", "result", "category", "Value"),
        ),
        Panel(
            "timeseries",
            "Điểm an ninh theo thời gian",
            "Each host's score over the time range.",
            [Query(S("netwatch_posture_score_ratio"), "{{office}} {{instance}}", instant=False)],
            10,
            6,
            unit="percentunit",
            min=0,
            max=1,
            no_value="Chưa máy nào chạy kiểm tra",
        ),
        Panel(
            "timeseries",
            "Số kiểm tra không đạt theo thời gian",
            "Failing checks by severity over time.",
            [
                Query(
                    f"sum by (severity) ({S('netwatch_posture_failed_checks')})",
                    "{{severity}}",
                    instant=False,
                )
            ],
            24,
            6,
            decimals=0,
            stacked=True,
            no_value="Chưa máy nào chạy kiểm tra",
        ),
    ]


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UIDS["posture"],
        title="netwatch — An ninh (posture)",
        description="Security posture across hosts: scores, failing checks by severity and "
        "category, waivers, hosts without results and what changed in the time range.",
        tags=["posture"],
        variables=[OFFICE, JOB, INSTANCES],
        content=panels(),
        # no link to the host dashboard here: it shows one host, this dashboard several
        # (each host's row links to it)
        links=links("wall", "services", "lan"),
    )
