"""Prometheus targets: LAN hosts that run a netwatch agent, as http_sd / file_sd JSON.

Both formats are the same list of ``{"targets": [...], "labels": {...}}``
groups; the ``__meta_netwatch_*`` labels are available to relabelling.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from netwatch.core.atomic import atomic_write
from netwatch.lan.model import Device

CHECK_TIMEOUT = 1.0
CHECK_CONCURRENCY = 64


def _accepts(ip: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((ip, port), timeout=timeout):
            return True
    except OSError:
        return False


def agents_listening(ips: Iterable[str], port: int, timeout: float = CHECK_TIMEOUT) -> set[str]:
    """The IPs among ``ips`` accepting a TCP connection on ``port``, checked concurrently."""
    candidates = list(dict.fromkeys(ips))
    if not candidates:
        return set()
    workers = min(CHECK_CONCURRENCY, len(candidates))
    with ThreadPoolExecutor(workers, thread_name_prefix="sd-check") as pool:
        answers = pool.map(lambda ip: _accepts(ip, port, timeout), candidates)
        return {ip for ip, ok in zip(candidates, answers, strict=True) if ok}


def sd_groups(devices: Iterable[Device], agents: set[str], port: int) -> list[dict[str, Any]]:
    """One target group per agent IP, labelled with the device's identity."""
    groups: dict[str, dict[str, Any]] = {}
    for device in devices:
        for ip in device.ips:
            if ip in agents and ip not in groups:
                groups[ip] = {
                    "targets": [f"{ip}:{port}"],
                    "labels": {
                        "__meta_netwatch_mac": device.mac,
                        "__meta_netwatch_vendor": device.vendor,
                        "__meta_netwatch_name": device.name,
                        "__meta_netwatch_owner": device.owner,
                        "__meta_netwatch_location": device.location,
                        "__meta_netwatch_kind": device.kind,
                        "__meta_netwatch_known": "true" if device.known else "false",
                    },
                }
    return list(groups.values())


def sd_json(groups: list[dict[str, Any]]) -> bytes:
    """The groups as the JSON document Prometheus reads."""
    return json.dumps(groups, ensure_ascii=False, indent=2).encode() + b"\n"


def write_file_sd(path: Path, groups: list[dict[str, Any]]) -> None:
    """Replace ``path`` atomically, so Prometheus never reads a half-written list."""
    atomic_write(path, sd_json(groups), mode=0o644)
