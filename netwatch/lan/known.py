"""The known-devices file: which MAC addresses belong on the LAN, with names and owners.

A YAML mapping with one key, ``devices``, listing ``{mac, name, owner, location,
kind}``; see ``configs/devices.example.yaml``. Errors name the file, line and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError

from netwatch.core.settings import StrictModel
from netwatch.core.yamlfile import (
    ConfigError,
    ConfigProblem,
    parse_yaml,
    read_text_file,
    validation_problems,
)

MAX_KNOWN_DEVICES = 4096
_PAIRS = re.compile(r"^[0-9a-f]{2}([-:.]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$")
_QUADS = re.compile(r"^[0-9a-f]{4}([-:.])[0-9a-f]{4}\1[0-9a-f]{4}$")


def normalise_mac(text: str) -> str:
    """``aa:bb:cc:dd:ee:ff`` from any common spelling; ValueError when it is not a MAC.

    Accepts ``:``, ``-`` or ``.`` between pairs (``00-1A-2B-3C-4D-5E``), Cisco's
    ``001a.2b3c.4d5e`` and bare ``001a2b3c4d5e``, in upper or lower case.
    """
    value = text.strip().lower()
    if not (_PAIRS.match(value) or _QUADS.match(value)):
        raise ValueError(
            f"invalid MAC address {text!r}: expected six hex pairs such as 00:1a:2b:3c:4d:5e"
        )
    digits = re.sub(r"[-:.]", "", value)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _mac(value: Any) -> Any:
    if not isinstance(value, str):
        # YAML 1.1 reads an unquoted all-digit MAC such as 10:20:30:40:50:59 as a number.
        raise ValueError(f'a MAC address must be text: put it in quotes, e.g. "{value}"')
    mac = normalise_mac(value)
    if mac in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
        raise ValueError(f"{value!r} is not the address of a device")
    return mac


Mac = Annotated[str, BeforeValidator(_mac)]
"""A MAC address, normalised to lower-case colon-separated pairs."""


class KnownDevice(StrictModel):
    """One device that belongs on the LAN."""

    mac: Mac = Field(description="MAC address, e.g. 00:1a:2b:3c:4d:5e (- . : and any case).")
    name: str = Field(min_length=1, max_length=128, description="What the device is called.")
    owner: str = Field("", max_length=128, description="Person or department responsible.")
    location: str = Field("", max_length=128, description="Where it is.")
    kind: str = Field("", max_length=64, description="printer, camera, switch, desktop, ...")


class KnownDevicesFile(StrictModel):
    """The whole file."""

    devices: list[KnownDevice] = Field(default_factory=list, max_length=MAX_KNOWN_DEVICES)


@dataclass(frozen=True)
class KnownDevices:
    """Known devices by normalised MAC (empty when no file is configured)."""

    by_mac: dict[str, KnownDevice] = field(default_factory=dict)
    source: str = ""

    def get(self, mac: str) -> KnownDevice | None:
        """The entry for ``mac`` (already normalised), if listed."""
        return self.by_mac.get(mac)


def parse_known_devices(text: str, source: str) -> KnownDevices:
    """Validate the file's text; :class:`ConfigError` naming file, line and key otherwise."""
    data, lines = parse_yaml(text, source)
    try:
        parsed = KnownDevicesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, validation_problems(exc, lines)) from None
    first: dict[str, int] = {}
    problems = []
    for index, device in enumerate(parsed.devices):
        if device.mac not in first:
            first[device.mac] = index
            continue
        earlier = first[device.mac]
        message = (
            f"duplicate MAC address {device.mac} (already listed as devices.{earlier}, "
            f"line {lines.get(('devices', earlier, 'mac'))})"
        )
        line = lines.get(("devices", index, "mac"))
        problems.append(ConfigProblem(f"devices.{index}.mac", message, line))
    if problems:
        raise ConfigError(source, problems)
    return KnownDevices({d.mac: d for d in parsed.devices}, source)


def load_known_devices(path: str | Path | None) -> KnownDevices:
    """The known devices of ``path``; none when ``path`` is None."""
    if path is None:
        return KnownDevices()
    return parse_known_devices(read_text_file(path), str(path))
