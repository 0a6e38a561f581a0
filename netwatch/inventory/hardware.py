"""CPU and memory facts."""

from __future__ import annotations

import os
from dataclasses import dataclass

import psutil

from netwatch.hostaccess import HostAccess

WINDOWS_CPU_KEY = r"HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\0"


@dataclass(frozen=True)
class CpuInfo:
    """Processor model and core counts."""

    model: str
    vendor: str
    physical_cores: int
    logical_cores: int


@dataclass(frozen=True)
class MemoryInfo:
    """Memory and swap sizes in bytes."""

    total: int
    available: int
    swap_total: int
    swap_free: int


def parse_cpuinfo(text: str) -> tuple[str, str]:
    """Model name and vendor from /proc/cpuinfo (x86 and ARM layouts)."""
    model = vendor = ""
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key in ("model name", "Model", "Processor", "cpu model") and not model:
            model = value
        elif key in ("vendor_id", "CPU implementer") and not vendor:
            vendor = value
    return model, vendor


def cpu_model(access: HostAccess) -> tuple[str, str]:
    """Model and vendor of the first processor."""
    if access.registry is not None:
        values = access.registry.values(WINDOWS_CPU_KEY)
        return (
            str(values.get("ProcessorNameString", "")).strip(),
            str(values.get("VendorIdentifier", "")).strip(),
        )
    return parse_cpuinfo(access.files.read_text_or_none("/proc/cpuinfo") or "")


def gather_cpu_info(access: HostAccess) -> CpuInfo:
    """Processor facts of the running host."""
    model, vendor = cpu_model(access)
    logical = psutil.cpu_count(logical=True) or os.cpu_count() or 0
    physical = psutil.cpu_count(logical=False) or logical
    return CpuInfo(model=model, vendor=vendor, physical_cores=physical, logical_cores=logical)


def gather_memory_info() -> MemoryInfo:
    """Memory and swap of the running host."""
    memory = psutil.virtual_memory()
    swap = psutil.swap_memory()
    return MemoryInfo(
        total=memory.total, available=memory.available, swap_total=swap.total, swap_free=swap.free
    )
