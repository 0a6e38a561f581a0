"""Targets the probers refuse are config errors: ``config check`` and ``serve`` (real process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from netwatch.core.selfcommand import netwatch_argv

GOOD = """\
services:
  - {name: portal, prober: http, target: "https://portal.ubnd.local:8443/login"}
  - {name: ssh, prober: tcp, target: "app01.ubnd.local:22"}
  - {name: v6, prober: tcp, target: "[fd00::10]:443"}
  - {name: gw, prober: icmp, target: 192.168.10.1}
  - {name: resolver, prober: dns, target: 192.168.10.10}
  - {name: mail, prober: smtp, target: mail.ubnd.local}
  - {name: cert, prober: tls, target: "mail.ubnd.local:465"}
  - {name: time, prober: ntp, target: "time.ubnd.local:123"}
collectors:
  clock:
    server: time.ubnd.local
"""

BAD = """\
# services of the office
services:
  - name: portal
    prober: http
    target: portal.ubnd.local
  - name: big
    prober: tcp
    target: x:99999
  - name: space
    prober: icmp
    target: a b
  - name: resolver
    prober: dns
    target: https://dns.ubnd.local/
collectors:
  clock:
    server: "time.ubnd.local:0"
"""

EXPECTED = [
    "line 5: services.0.target: unsupported target URL scheme none: use http:// or https:// "
    "(prober http)",
    "line 8: services.1.target: invalid port in target 'x:99999': use 1-65535 (prober tcp)",
    "line 11: services.2.target: invalid host 'a b': use a host name or an IP address "
    "(prober icmp)",
    "line 14: services.3.target: invalid target 'https://dns.ubnd.local/': give HOST:PORT, "
    "not a URL (prober dns)",
    "line 17: collectors.clock.server: invalid port in target 'time.ubnd.local:0': use 1-65535",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(netwatch_argv(*args), capture_output=True, text=True, timeout=60)


def test_config_check_accepts_every_target_shape(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(GOOD)
    result = run("config", "check", str(config))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{config}: OK\n", "")


def test_config_check_names_file_line_and_key_of_each_refused_target(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(BAD)
    result = run("config", "check", str(config))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"netwatch: config error: {config}: {line}" for line in EXPECTED
    ]


def test_serve_refuses_to_start_with_the_same_message(tmp_path: Path) -> None:
    config = tmp_path / "netwatch.yaml"
    config.write_text(BAD)
    checked = run("config", "check", str(config))
    served = run("serve", "--config", str(config), "--listen", "127.0.0.1:0")
    assert served.returncode == 2
    assert served.stderr == checked.stderr and "Traceback" not in served.stderr
