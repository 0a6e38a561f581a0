"""The shipped Prometheus and Alertmanager configs pass promtool and amtool as installed.

Each Prometheus config is checked in a copy of the layout it expects on the server
(/etc/prometheus with rules/ and the TLS files and password made by ``netwatch tls``),
because promtool opens every file a config names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "configs" / "prometheus"
RULES = PROMETHEUS / "rules"
RULE_TESTS = RULES / "tests"
ALERTMANAGER = ROOT / "configs" / "alertmanager" / "alertmanager.yml"
OFFICE_SETUP = ROOT / "docs" / "office-setup.md"
PROMETHEUS_CONFIGS = (
    "prometheus.yml",
    "province/prometheus-district.yml",
    "province/prometheus-federation.yml",
)
ANNOTATIONS = {"summary", "summary_vi", "description", "description_vi", "runbook"}
SEVERITIES = {"critical", "warning", "info"}


def tool(name: str) -> str:
    binary = shutil.which(name)
    package = "prometheus" if name == "promtool" else "prometheus-alertmanager"
    assert binary, f"{name} missing: tests/run.sh installs Debian's {package} package"
    return binary


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def netwatch(*args: str) -> None:
    result = run(sys.executable, "-m", "netwatch", *args)
    assert result.returncode == 0, result.stderr


def alert_rules() -> list[dict]:
    rules = []
    for path in sorted(RULES.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules.extend(rule for rule in group["rules"] if "alert" in rule)
    return rules


@pytest.fixture(scope="module")
def etc_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of configs/prometheus laid out as /etc/prometheus, with real certificates."""
    etc = tmp_path_factory.mktemp("etc") / "prometheus"
    shutil.copytree(PROMETHEUS, etc)
    for folder, client in (("netwatch", "prometheus"), ("province", "federate")):
        pki = etc / folder
        netwatch("tls", "init", "--dir", str(pki), "--name", f"test {folder} CA")
        netwatch("tls", "issue", "--client", client, "--dir", str(pki), "--out", str(pki))
        (pki / "password").write_text("test-password\n", encoding="utf-8")
    (etc / "netwatch" / "sd").mkdir()
    for config in PROMETHEUS_CONFIGS[1:]:
        shutil.copy(etc / config, etc / Path(config).name)
    return etc


@pytest.mark.parametrize("config", PROMETHEUS_CONFIGS)
def test_promtool_check_config_passes(etc_prometheus: Path, config: str) -> None:
    # The province files are installed as /etc/prometheus/prometheus.yml too: check
    # them from that folder so their relative paths resolve as on the server.
    result = run(tool("promtool"), "check", "config", Path(config).name, cwd=etc_prometheus)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_office_config_has_every_discovery_and_the_office_label() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    assert config["global"]["external_labels"]["office"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["netwatch"]["static_configs"]
    assert jobs["netwatch-lan"]["http_sd_configs"][0]["url"].endswith("/sd")
    assert jobs["netwatch-files"]["file_sd_configs"]
    probe = jobs["netwatch-probe"]
    assert probe["metrics_path"] == "/probe"
    assert {r.get("target_label") for r in probe["relabel_configs"]} >= {
        "__param_target",
        "instance",
        "__address__",
    }
    for job in jobs.values():
        assert job["scheme"] == "https"
        assert job["basic_auth"]["password_file"]


def test_promtool_check_rules_passes() -> None:
    files = sorted(str(path) for path in RULES.glob("*.yml"))
    assert len(files) >= 2
    result = run(tool("promtool"), "check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files)


def test_promtool_rule_unit_tests_pass() -> None:
    files = sorted(RULE_TESTS.glob("*.test.yml"))
    assert files
    result = run(tool("promtool"), "test", "rules", *(str(path) for path in files))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_firing_and_not_firing() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS.glob("*.test.yml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {rule["alert"] for rule in alert_rules()}
    assert names - firing == set(), "alerts never tested firing"
    assert names - silent == set(), "alerts never tested not firing"


def test_every_alert_is_bilingual_with_severity_and_runbook() -> None:
    anchors = set(re.findall(r'<a id="([a-z-]+)"></a>', OFFICE_SETUP.read_text(encoding="utf-8")))
    rules = alert_rules()
    assert len(rules) >= 13
    for rule in rules:
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert set(rule["annotations"]) == ANNOTATIONS, rule["alert"]
        page, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert page == "docs/office-setup.md" and anchor in anchors, rule["alert"]


def test_rules_use_only_metrics_the_agent_documents() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(netwatch_[a-z0-9_]+)` \|", readme, flags=re.M))
    used = set()
    for path in RULES.glob("*.yml"):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                used.update(re.findall(r"\bnetwatch_[a-z0-9_]+", rule["expr"]))
    assert documented and used
    assert used - documented == set()


def test_amtool_check_config_passes() -> None:
    result = run(tool("amtool"), "check-config", str(ALERTMANAGER))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 templates" in result.stdout and "2 inhibit rules" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        (
            ("severity=critical", "office=xa-an-binh"),
            "ticket-webhook,telegram-duty,email-xa-an-binh",
        ),
        (("severity=warning", "office=xa-an-binh"), "ticket-webhook,email-xa-an-binh"),
        (("severity=warning", "office=xa-phu-my"), "ticket-webhook,email-xa-phu-my"),
        (("severity=critical", "office=xa-khac"), "ticket-webhook,telegram-duty,it-email"),
        (("severity=info", "office=xa-khac"), "ticket-webhook,it-email"),
    ],
)
def test_alertmanager_routes_by_severity_and_office(
    labels: tuple[str, ...], receivers: str
) -> None:
    argv = (tool("amtool"), "config", "routes", "test", f"--config.file={ALERTMANAGER}", *labels)
    result = run(*argv)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == receivers


def test_no_secret_is_written_inline() -> None:
    """Passwords come from files; the one exception is the documented Telegram token placeholder."""
    for path in [
        *PROMETHEUS.rglob("*.yml"),
        ALERTMANAGER,
        PROMETHEUS / "province" / "victoria-metrics.default",
    ]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(
            r"^\s*(password|smtp_auth_password|auth_password|bearer_token):", text, re.M
        ), path
        assert "httpAuth.password" not in text, path
        tokens = re.findall(r"^\s*bot_token:\s*(\S+)", text, re.M)
        assert tokens in ([], ["REPLACE-WITH-BOT-TOKEN"]), path
