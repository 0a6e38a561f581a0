"""Linux data at rest: encrypted filesystems for the data the policy names."""

from __future__ import annotations

from pydantic import Field

from netwatch.core.settings import StrictModel
from netwatch.hostaccess import Files
from netwatch.hostaccess.commands import CommandError
from netwatch.i18n import Message, msg
from netwatch.posture.checks._linux_host import (
    OFFLINE_NOTE,
    OutputError,
    first_line,
    run_command,
)
from netwatch.posture.checks._storage import (
    Chain,
    FstabEntry,
    crypt_source,
    crypttab,
    fstab,
    lsblk_chains,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import (
    Evidence,
    Outcome,
    error,
    failed,
    not_applicable,
    passed,
)
from netwatch.posture.registry import check

LSBLK = ["lsblk", "-J", "-o", "NAME,TYPE,MOUNTPOINT,FSTYPE"]

_NOT_ON_DISK = {"tmpfs", "ramfs", "nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "glusterfs", "ceph"}


class DataEncryptionParams(StrictModel):
    """Parameters of linux.data.encryption."""

    data_mounts: tuple[str, ...] = Field(
        ("/home", "/srv", "/var/lib/mysql", "/data"),
        description="Mount points holding data that must be on encrypted volumes; only those "
        "present in /etc/fstab (or mounted) are checked.",
    )


def _from_config(
    files: Files, mountpoint: str, entry: FstabEntry, note: Message
) -> tuple[bool, Evidence]:
    """Whether an fstab entry sits on a device opened from /etc/crypttab."""
    declared = crypt_source(files, entry.device, crypttab(files))
    expected = msg("a dm-crypt/LUKS device listed in `/etc/crypttab`")
    if declared:
        observed = msg(
            "{mount} on {device}, opened from {declared} ({note})",
            mount=mountpoint,
            device=entry.device,
            declared=declared,
            note=note,
        )
        return True, Evidence(entry.source, observed, expected)
    observed = msg(
        "{mount} on {device} ({fstype}): not an encrypted device ({note})",
        mount=mountpoint,
        device=entry.device,
        fstype=entry.fstype,
        note=note,
    )
    return False, Evidence(entry.source, observed, expected)


def _from_lsblk(mountpoint: str, chains: list[Chain]) -> tuple[bool, Evidence]:
    """Whether every device chain under ``mountpoint`` has a ``crypt`` layer."""
    described = "; ".join(" > ".join(f"{name} [{kind}]" for name, kind in c) for c in chains)
    encrypted = all(any(kind == "crypt" for _, kind in chain) for chain in chains)
    observed = msg("{mount} on {devices}", mount=mountpoint, devices=described)
    if not encrypted:
        observed = msg("{text}: no crypt layer", text=observed)
    expected = msg("a crypt layer below it")
    return encrypted, Evidence(f"command: {' '.join(LSBLK)}", observed, expected)


def _lsblk(ctx: CheckContext) -> dict[str, list[Chain]] | Outcome:
    """Mounted block devices from lsblk; empty when not live or no lsblk; error when odd."""
    if not ctx.live or ctx.access.commands.which("lsblk") is None:
        return {}
    try:
        result = run_command(ctx, LSBLK)
    except CommandError as exc:
        return error(exc.message)
    if result.returncode != 0:
        return error(
            msg(
                "{command} exited with {code}: {detail}",
                command="lsblk",
                code=str(result.returncode),
                detail=first_line(result.stderr),
            )
        )
    try:
        return lsblk_chains(result.stdout)
    except OutputError as exc:
        return error(
            msg("{command}: unexpected output: {detail}", command="lsblk", detail=exc.message)
        )


def _judge(
    files: Files,
    chains: dict[str, list[Chain]],
    mounts: dict[str, FstabEntry],
    mountpoint: str,
    note: Message,
) -> tuple[bool, Evidence] | None:
    """Whether ``mountpoint`` is encrypted: from lsblk when mounted, else from the files."""
    if mountpoint in chains:
        return _from_lsblk(mountpoint, chains[mountpoint])
    if mountpoint in mounts:
        return _from_config(files, mountpoint, mounts[mountpoint], note)
    return None


@check("linux.data.encryption", params=DataEncryptionParams)
def data_encryption(ctx: CheckContext) -> Outcome:
    """Data mounts must sit on dm-crypt (LUKS) devices.

    The data mounts are the ``data_mounts`` parameter's mount points found in /etc/fstab
    (or, live, mounted now); network and memory file systems are skipped. A mount that
    is mounted is judged from ``lsblk`` (a ``crypt`` device anywhere between the disk and
    the file system); otherwise from the files: its fstab device is /dev/mapper/<name> with
    <name> in /etc/crypttab, or an LVM volume whose physical volumes (per /etc/lvm/backup)
    all are. With no separate data mount, data lives on the root file system, which must
    then be encrypted ("data on unencrypted root filesystem" otherwise).
    """
    files = ctx.access.files
    chains = _lsblk(ctx)
    if isinstance(chains, Outcome):
        return chains
    table = fstab(files)
    note = OFFLINE_NOTE if not ctx.live else msg("read from `/etc/fstab` and `/etc/crypttab`")
    wanted = [m.rstrip("/") or "/" for m in ctx.params_as(DataEncryptionParams).data_mounts]
    local = [
        m for m in wanted if (table[m].fstype not in _NOT_ON_DISK if m in table else m in chains)
    ]
    verdicts = [v for m in local if (v := _judge(files, chains, table, m, note)) is not None]
    if verdicts:
        items = [item for _, item in verdicts]
        return passed(*items) if all(ok for ok, _ in verdicts) else failed(*items)
    root = _judge(files, chains, table, "/", note)
    if root is None:
        return not_applicable(
            msg(
                "no data mount and the root file system is neither in `/etc/fstab` nor a block "
                "device (a container or network root)"
            )
        )
    encrypted, evidence = root
    if encrypted:
        return passed(evidence)
    return failed(evidence, reason=msg("data on unencrypted root filesystem"))
