"""Linux system checks: updates, supported release, time sync, auditd, data encryption."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from netwatch.core.yamlfile import ConfigError
from netwatch.hostaccess import FileReader, HostAccess
from netwatch.posture.checks._eol import END_MEANINGS, eol_table, parse_eol_table
from netwatch.posture.checks.linux.data import DataEncryptionParams, data_encryption
from netwatch.posture.checks.linux.logging import auditd, time_sync
from netwatch.posture.checks.linux.updates import (
    PendingSecurityParams,
    automatic_updates,
    os_supported,
    pending_security_updates,
)
from netwatch.posture.context import CheckContext
from netwatch.posture.model import Outcome, Status
from netwatch.posture.parsers.apt import parse_apt_text
from netwatch.posture.policy import Policy, SelectedCheck
from netwatch.posture.registry import all_checks
from netwatch.posture.runner import run_policy
from tests.helpers.posture_hosts import offline_image, recorded_host
from tests.helpers.recorded import RecordedCommands
from tests.posture.units import install_unit

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc).timestamp()
IDS = (
    "linux.updates.automatic",
    "linux.updates.pending_security",
    "linux.updates.os_supported",
    "linux.logging.time_sync",
    "linux.logging.auditd",
    "linux.data.encryption",
)
APT = "apt-get -s -o Debug::NoLocking=1 upgrade"
DNF = "dnf -q updateinfo list --security"
TIMEDATECTL = "timedatectl show -p NTPSynchronized -p NTP"
CHRONYC = "chronyc -n tracking"
LSBLK = "lsblk -J -o NAME,TYPE,MOUNTPOINT,FSTYPE"
RHEL_UNITS = "/usr/lib/systemd/system"
DEBIAN_12 = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
ROCKY_9 = 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n'
DPKG_UU = (
    "Package: unattended-upgrades\nStatus: install ok installed\nArchitecture: all\n"
    "Version: 2.9.1+nmu3\nDescription: automatic installation of security upgrades\n"
    " continuation line\n"
)


def ctx(access: HostAccess, params: object = None, now: float = NOW) -> CheckContext:
    return CheckContext(access, "linux", params, now)  # type: ignore[arg-type]


def on(host: str, params: object = None) -> CheckContext:
    return ctx(recorded_host(host), params)


def tree(
    root: Path, files: dict[str, str], commands: dict | None = None, live: bool = True
) -> HostAccess:
    """A host made of ``files`` under ``root`` and recorded ``commands``."""
    for path, text in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    runner = RecordedCommands(commands or {})
    return HostAccess(FileReader(root), runner, None, live=live)  # type: ignore[arg-type]


def result(stdout: str, returncode: int = 0, stderr: str = "") -> dict[str, object]:
    return {"returncode": returncode, "stdout": stdout, "stderr": stderr}


def observed(outcome: Outcome) -> dict[str, str]:
    return {str(e.source): str(e.observed) for e in outcome.evidence}


def apt_output(*inst: str) -> str:
    summary = f"{len(inst)} upgraded, 0 newly installed, 0 to remove and 0 not upgraded."
    return "Reading package lists...\nCalculating upgrade...\n" + "\n".join([summary, *inst])


# --- the fixture hosts, through the real runner ---------------------------------------


def run_on(access: HostAccess) -> dict[str, Outcome]:
    checks = [c for c in all_checks() if c.meta.id in IDS]
    default = {
        "linux.updates.pending_security": PendingSecurityParams(),
        "linux.data.encryption": DataEncryptionParams(),
    }
    selected = tuple(
        SelectedCheck(c, c.meta.severity, default.get(c.meta.id), c.meta.timeout) for c in checks
    )
    policy = Policy("test", "", ("test",), selected, {}, ())
    return {r.meta.id: r.outcome for r in run_policy(policy, access, "linux", now=NOW)}


def test_every_system_check_passes_on_the_hardened_host() -> None:
    outcomes = run_on(recorded_host("linux-hardened"))
    assert sorted(outcomes) == sorted(IDS)
    assert {i: o.status for i, o in outcomes.items()} == dict.fromkeys(IDS, Status.passed)
    assert all(o.evidence for o in outcomes.values())


def test_every_system_check_fails_on_the_weak_host_with_evidence() -> None:
    outcomes = run_on(recorded_host("linux-weak"))
    assert {i: o.status for i, o in outcomes.items()} == dict.fromkeys(IDS, Status.failed)
    assert all(o.evidence for o in outcomes.values())


def test_check_metadata() -> None:
    metas = {c.meta.id: c.meta for c in all_checks() if c.meta.id in IDS}
    assert metas["linux.updates.pending_security"].timeout >= 70
    assert metas["linux.updates.os_supported"].category == "updates"
    assert metas["linux.data.encryption"].category == "data"
    assert metas["linux.logging.auditd"].category == "logging"
    for meta in metas.values():  # Vietnamese with its diacritics, not English copied over
        for text in (meta.title, meta.rationale, meta.remediation):
            assert not text.vi.isascii() and text.vi != text.en


# --- linux.updates.automatic ----------------------------------------------------------


def test_automatic_updates_hardened_names_package_and_setting() -> None:
    outcome = automatic_updates(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert observed(outcome) == {
        "/var/lib/dpkg/status:188": "unattended-upgrades 2.9.1+nmu3 installed",
        "/etc/apt/apt.conf.d/20auto-upgrades:2": 'APT::Periodic::Unattended-Upgrade "1"',
    }


def test_automatic_updates_weak_package_removed_even_though_config_left() -> None:
    outcome = automatic_updates(on("linux-weak"))
    assert outcome.status is Status.failed
    assert observed(outcome) == {
        "/var/lib/dpkg/status:137": "unattended-upgrades: deinstall ok config-files"
    }


def test_automatic_updates_works_on_an_offline_image() -> None:
    assert automatic_updates(ctx(offline_image("linux-hardened"))).status is Status.passed
    assert automatic_updates(ctx(offline_image("linux-weak"))).status is Status.failed


def debian_files(**conf: str) -> dict[str, str]:
    files = {"/etc/os-release": DEBIAN_12, "/var/lib/dpkg/status": DPKG_UU}
    files.update({f"/etc/apt/apt.conf.d/{name}": text for name, text in conf.items()})
    return files


def test_automatic_updates_later_file_overrides_earlier(tmp_path: Path) -> None:
    files = debian_files(
        **{
            "20auto-upgrades": 'APT::Periodic::Unattended-Upgrade "1";\n',
            "99-local": '// switched off by hand\nAPT::Periodic::Unattended-Upgrade "0";\n',
            "99zz.dpkg-old": 'APT::Periodic::Unattended-Upgrade "1";\n',  # ignored by APT
        }
    )
    outcome = automatic_updates(ctx(tree(tmp_path, files)))
    assert outcome.status is Status.failed
    assert observed(outcome)["/etc/apt/apt.conf.d/99-local:2"] == (
        'APT::Periodic::Unattended-Upgrade "0"'
    )


def test_automatic_updates_last_assignment_in_apt_conf_wins(tmp_path: Path) -> None:
    files = debian_files(**{"20auto-upgrades": 'APT::Periodic::Unattended-Upgrade "0";\n'})
    files["/etc/apt/apt.conf"] = 'APT {\n  Periodic {\n    Unattended-Upgrade "1";\n  };\n};\n'
    outcome = automatic_updates(ctx(tree(tmp_path, files)))
    assert outcome.status is Status.passed
    assert "/etc/apt/apt.conf:3" in observed(outcome)


def test_automatic_updates_periodic_disabled_or_unset(tmp_path: Path) -> None:
    files = debian_files(
        **{"10periodic": 'APT::Periodic::Enable "0";\nAPT::Periodic::Unattended-Upgrade "1";\n'}
    )
    outcome = automatic_updates(ctx(tree(tmp_path / "a", files)))
    assert outcome.status is Status.failed
    assert "switched off" in observed(outcome)["/etc/apt/apt.conf.d/10periodic:1"]
    unset = automatic_updates(ctx(tree(tmp_path / "b", debian_files())))
    assert unset.status is Status.failed
    assert "not set" in observed(unset)["/etc/apt/apt.conf.d"]


def test_automatic_updates_package_missing_and_no_dpkg(tmp_path: Path) -> None:
    files = {"/etc/os-release": DEBIAN_12, "/var/lib/dpkg/status": "Package: apt\nStatus: ok\n"}
    outcome = automatic_updates(ctx(tree(tmp_path / "a", files)))
    assert outcome.status is Status.failed
    assert observed(outcome) == {"/var/lib/dpkg/status": "not installed"}
    bare = automatic_updates(ctx(tree(tmp_path / "b", {"/etc/os-release": DEBIAN_12})))
    assert bare.status is Status.not_applicable
    assert "dpkg" in str(bare.reason)


def rhel_host(
    root: Path, conf: str | None, timers: tuple[str, ...] = (), *, enabled: bool = True
) -> HostAccess:
    files = {"/etc/os-release": ROCKY_9}
    if conf is not None:
        files["/etc/dnf/automatic.conf"] = conf
    for timer in timers:
        install_unit(root, timer, "timers.target", enabled=enabled, unit_dir=RHEL_UNITS)
    return tree(root, files)


def test_automatic_updates_dnf_automatic(tmp_path: Path) -> None:
    applying = "[commands]\nupgrade_type = security\napply_updates = yes\n"
    outcome = automatic_updates(ctx(rhel_host(tmp_path / "a", applying, ("dnf-automatic.timer",))))
    assert outcome.status is Status.passed
    assert observed(outcome) == {
        "/etc/dnf/automatic.conf, section [commands]": "apply_updates = yes",
        "/etc/systemd/system/timers.target.wants/dnf-automatic.timer": "dnf-automatic.timer enabled",
    }

    download_only = "[commands]\napply_updates = no\n"
    outcome = automatic_updates(
        ctx(rhel_host(tmp_path / "b", download_only, ("dnf-automatic.timer",)))
    )
    assert outcome.status is Status.failed

    install_timer = rhel_host(tmp_path / "c", download_only, ("dnf-automatic-install.timer",))
    assert automatic_updates(ctx(install_timer)).status is Status.passed

    disabled = rhel_host(tmp_path / "f", applying, ("dnf-automatic.timer",), enabled=False)
    outcome = automatic_updates(ctx(disabled))
    assert outcome.status is Status.failed
    assert observed(outcome)[f"{RHEL_UNITS}/dnf-automatic.timer:7"] == (
        "dnf-automatic.timer disabled: `[Install]` but no link"
    )

    no_timer = automatic_updates(ctx(rhel_host(tmp_path / "d", applying)))
    assert no_timer.status is Status.failed
    assert (
        observed(no_timer)["systemd unit files"] == "dnf-automatic.timer not found (no unit file)"
    )

    missing = automatic_updates(ctx(rhel_host(tmp_path / "e", None)))
    assert missing.status is Status.failed
    assert "not installed" in observed(missing)["/etc/dnf/automatic.conf"]


def test_automatic_updates_malformed_dnf_config_is_an_error(tmp_path: Path) -> None:
    outcome = automatic_updates(ctx(rhel_host(tmp_path, "apply_updates = yes\n")))
    assert outcome.status is Status.error
    assert "/etc/dnf/automatic.conf: cannot parse" in str(outcome.reason)


def test_unknown_distribution_is_not_applicable(tmp_path: Path) -> None:
    access = tree(tmp_path, {"/etc/os-release": "ID=arch\nBUILD_ID=rolling\n"})
    for check in (automatic_updates, pending_security_updates, os_supported):
        outcome = check(ctx(access))
        assert outcome.status is Status.not_applicable
        assert "'arch'" in str(outcome.reason)


def test_missing_os_release_is_not_applicable(tmp_path: Path) -> None:
    access = tree(tmp_path, {})
    for check in (automatic_updates, os_supported):
        outcome = check(ctx(access))
        assert outcome.status is Status.not_applicable
        assert "os-release" in str(outcome.reason)


# --- linux.updates.pending_security ---------------------------------------------------


def test_pending_security_hardened_counts_only_security_origins() -> None:
    outcome = pending_security_updates(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert observed(outcome) == {
        f"command: {APT}": "0 pending security updates (1 other update pending)"
    }


def test_pending_security_weak_lists_packages() -> None:
    outcome = pending_security_updates(on("linux-weak"))
    assert outcome.status is Status.failed
    text = observed(outcome)[f"command: {APT}"]
    assert text.startswith("7 pending security updates (1 other update pending): ")
    assert "openssl 1.1.1n-0+deb10u3 -> 1.1.1n-0+deb10u6" in text
    assert "base-files" not in text
    assert str(outcome.evidence[0].expected) == "at most 0"


def test_pending_security_max_pending_param() -> None:
    outcome = pending_security_updates(on("linux-weak", PendingSecurityParams(max_pending=7)))
    assert outcome.status is Status.passed
    assert str(outcome.evidence[0].expected) == "at most 7"


def test_pending_security_lists_at_most_ten(tmp_path: Path) -> None:
    lines = [
        f"Inst pkg{i} [1.0] (1.1 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64])"
        for i in range(12)
    ]
    access = tree(tmp_path, {"/etc/os-release": DEBIAN_12}, {APT: result(apt_output(*lines))})
    outcome = pending_security_updates(ctx(access))
    assert outcome.status is Status.failed
    text = str(outcome.evidence[0].observed)
    assert "pkg9 1.0 -> 1.1" in text and "pkg10" not in text
    assert text.endswith("(and 2 more)")


@pytest.mark.parametrize(
    ("recording", "reason"),
    [
        (result("Reading package lists...\n"), "no upgrade summary"),
        (result(apt_output("Inst broken-line-without-version")), "unexpected line"),
        (result("", 100, "E: Could not open file /var/lib/dpkg/status\n"), "exited with 100"),
        ({"error": "apt-get: no answer within 60s"}, "no answer within 60s"),
    ],
)
def test_pending_security_bad_output_is_an_error(
    tmp_path: Path, recording: dict[str, object], reason: str
) -> None:
    access = tree(tmp_path, {"/etc/os-release": DEBIAN_12}, {APT: recording})
    outcome = pending_security_updates(ctx(access))
    assert outcome.status is Status.error
    assert reason in str(outcome.reason)


def test_pending_security_offline_or_without_apt_is_not_applicable(tmp_path: Path) -> None:
    offline = pending_security_updates(ctx(offline_image("linux-weak")))
    assert offline.status is Status.not_applicable
    assert "offline image" in str(offline.reason)
    no_apt = pending_security_updates(ctx(tree(tmp_path, {"/etc/os-release": DEBIAN_12})))
    assert no_apt.status is Status.not_applicable
    assert "apt-get is not installed" in str(no_apt.reason)


def test_pending_security_dnf(tmp_path: Path) -> None:
    listing = (
        "RHSA-2024:3344 Important/Sec. glibc-2.34-100.el9_4.2.x86_64\n"
        "RHSA-2024:3344 Important/Sec. glibc-common-2.34-100.el9_4.2.x86_64\n"
        "RLSA-2024:3501 Moderate/Sec.  nghttp2-libs-1.43.0-5.el9_4.3.x86_64\n"
    )
    access = tree(tmp_path / "a", {"/etc/os-release": ROCKY_9}, {DNF: result(listing)})
    outcome = pending_security_updates(ctx(access))
    assert outcome.status is Status.failed
    assert observed(outcome)[f"command: {DNF}"].startswith("3 pending security updates: glibc-")
    clean = tree(tmp_path / "b", {"/etc/os-release": ROCKY_9}, {DNF: result("")})
    assert pending_security_updates(ctx(clean)).status is Status.passed
    odd = tree(tmp_path / "c", {"/etc/os-release": ROCKY_9}, {DNF: result("Error: oops\n")})
    assert pending_security_updates(ctx(odd)).status is Status.error


# --- linux.updates.os_supported -------------------------------------------------------


def test_os_supported_hardened_shows_end_date() -> None:
    outcome = os_supported(on("linux-hardened"))
    assert outcome.status is Status.passed
    assert observed(outcome) == {
        "/etc/os-release:3": "Debian 12 (bookworm): supported until 2028-06-30 (end of Debian LTS)"
    }


def test_os_supported_weak_is_past_lts_and_mentions_paid_extension() -> None:
    outcome = os_supported(on("linux-weak"))
    assert outcome.status is Status.failed
    found = observed(outcome)
    assert found["/etc/os-release:3"] == "Debian 10 (buster): end of Debian LTS was 2024-06-30"
    assert found["netwatch/posture/data/eol.yaml: debian 10"] == (
        "paid extended support (Freexian Extended LTS) runs until 2029-06-30"
    )
    assert os_supported(ctx(offline_image("linux-weak"))).status is Status.failed


def at(day: str) -> float:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp()


def test_os_supported_end_date_is_inclusive_and_versions_fall_back_to_major(
    tmp_path: Path,
) -> None:
    access = tree(tmp_path / "a", {"/etc/os-release": ROCKY_9})  # 9.4 -> "9"
    assert os_supported(ctx(access, now=at("2032-05-31T23:00"))).status is Status.passed
    late = os_supported(ctx(access, now=at("2032-06-01T01:00")))
    assert late.status is Status.failed
    assert observed(late) == {
        "/etc/os-release:4": "Rocky Linux 9.4 (Blue Onyx): end of security support was 2032-05-31"
    }
    ubuntu = tree(tmp_path / "b", {"/etc/os-release": 'ID=ubuntu\nVERSION_ID="18.04"\n'})
    outcome = os_supported(ctx(ubuntu, now=at("2030-01-01T00:00")))
    assert outcome.status is Status.failed
    assert "ran until 2028-04-30" in str(outcome.evidence[1].observed)


@pytest.mark.parametrize(
    ("os_release", "reason"),
    [
        ('ID=debian\nPRETTY_NAME="Debian GNU/Linux trixie/sid"\n', "no `VERSION_ID`"),
        ('ID=debian\nVERSION_ID="14"\n', "Debian 14 is not in netwatch/posture/data/eol.yaml"),
        ('ID=ubuntu\nVERSION_ID="22.10"\n', "Ubuntu 22.10 is not in"),
        ('ID="linuxmint"\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"\n', "'linuxmint'"),
    ],
)
def test_os_supported_not_applicable_with_reason(
    tmp_path: Path, os_release: str, reason: str
) -> None:
    outcome = os_supported(ctx(tree(tmp_path, {"/usr/lib/os-release": os_release})))
    assert outcome.status is Status.not_applicable
    assert reason in str(outcome.reason)


def test_eol_table_is_complete_and_valid() -> None:
    table = eol_table()
    required = {"debian", "ubuntu", "rhel", "rocky", "almalinux", "centos", "sles"}
    assert required <= set(table)
    assert "opensuse-leap" in table
    for distro in table.values():
        assert distro.releases and distro.source and distro.end_means
        for version, release in distro.releases.items():
            assert isinstance(version, str) and version
            assert isinstance(release.end, dt.date)
            assert release.extended is None or release.extended >= release.end
    assert table["debian"].releases["10"].end == dt.date(2024, 6, 30)
    assert table["debian"].releases["12"].end == dt.date(2028, 6, 30)
    assert table["ubuntu"].release("22.04") == ("22.04", table["ubuntu"].releases["22.04"])
    assert table["rhel"].release("9.4") == ("9", table["rhel"].releases["9"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "ubuntu:\n  name: U\n  end_means: end of updates\n  source: s\n  releases:\n"
            "    22.04: {end: 2027-04-30}\n",
            "ubuntu.releases.22.04.[key]",
        ),
        (
            "debian:\n  name: D\n  end_means: end of updates\n  source: s\n  releases:\n"
            '    "12": {end: June 2028}\n',
            "debian.releases.12.end",
        ),
        (
            "debian:\n  name: D\n  end_means: end of updates\n  extended_means: x\n  source: s\n  releases:\n"
            '    "12": {end: 2028-06-30, extended: 2020-01-01}\n',
            "extended must not be earlier than end",
        ),
        (
            "debian:\n  name: D\n  end_means: end of updates\n  source: s\n  releases:\n"
            '    "12": {end: 2028-06-30, extended: 2033-06-30}\n',
            "extended_means",
        ),
        (
            "debian:\n  name: D\n  end_means: end of updates\n  source: s\n  releases: {}\n",
            "releases",
        ),
        ("debian: [unclosed\n", "invalid YAML"),
        (
            "debian:\n  name: D\n  end_means: support ends\n  source: s\n  releases:\n"
            '    "12": {end: 2028-06-30}\n',
            "line 3: debian.end_means: 'support ends' is not a known wording",
        ),
    ],
)
def test_eol_table_validation_names_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_eol_table(text, "test.yaml")
    assert str(raised.value).startswith("test.yaml: ")
    assert message in str(raised.value)


def test_every_end_of_support_wording_is_known() -> None:
    """The table uses only the wordings that have a translation."""
    assert {distro.end_means for distro in eol_table().values()} <= set(END_MEANINGS)
    assert (
        eol_table()["ubuntu"].end_message.render("vi") == "hết thời hạn bảo trì bảo mật tiêu chuẩn"
    )


# --- linux.logging.time_sync ----------------------------------------------------------


def test_time_sync_hardened_and_weak() -> None:
    good = time_sync(on("linux-hardened"))
    assert good.status is Status.passed
    assert observed(good) == {f"command: {TIMEDATECTL}": "NTP=yes, NTPSynchronized=yes"}
    bad = time_sync(on("linux-weak"))
    assert bad.status is Status.failed
    assert observed(bad) == {f"command: {TIMEDATECTL}": "NTP=no, NTPSynchronized=no"}


def chrony_tracking(leap: str) -> str:
    return (
        "Reference ID    : C0A80101 (192.168.1.1)\nStratum         : 3\n"
        "Ref time (UTC)  : Sun Nov 22 08:55:01 2026\n"
        "System time     : 0.000012 seconds fast of NTP time\n"
        f"Update interval : 64.2 seconds\nLeap status     : {leap}\n"
    )


def test_time_sync_chrony_can_confirm_sync(tmp_path: Path) -> None:
    commands = {
        TIMEDATECTL: result("NTP=no\nNTPSynchronized=no\n"),
        CHRONYC: result(chrony_tracking("Normal")),
    }
    access = tree(tmp_path, {}, commands)
    outcome = time_sync(ctx(access))
    assert outcome.status is Status.passed
    assert observed(outcome) == {f"command: {CHRONYC}": "Leap status : Normal"}


def test_time_sync_chrony_not_synchronised_fails(tmp_path: Path) -> None:
    commands = {
        TIMEDATECTL: result("", 1, "System has not been booted with systemd as init system.\n"),
        CHRONYC: result(chrony_tracking("Not synchronised")),
    }
    outcome = time_sync(ctx(tree(tmp_path, {}, commands)))
    assert outcome.status is Status.failed
    assert observed(outcome) == {f"command: {CHRONYC}": "Leap status : Not synchronised"}


def test_time_sync_chronyd_not_answering_fails(tmp_path: Path) -> None:
    commands = {CHRONYC: result("", 1, "506 Cannot talk to daemon\n")}
    outcome = time_sync(ctx(tree(tmp_path, {}, commands)))
    assert outcome.status is Status.failed
    assert observed(outcome) == {
        f"command: {CHRONYC}": "`chronyd` not answering: 506 Cannot talk to daemon"
    }


def test_time_sync_without_systemd_running_reads_configuration(tmp_path: Path) -> None:
    stderr = "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
    outcome = time_sync(ctx(tree(tmp_path, {}, {TIMEDATECTL: result("", 1, stderr)})))
    assert outcome.status is Status.failed
    assert observed(outcome) == {
        "systemd unit files": "no time synchronisation service installed or enabled (timedatectl "
        "could not answer: System has not been booted with systemd as init system (PID 1). "
        "Can't operate.; read from configuration)"
    }


@pytest.mark.parametrize(
    ("commands", "reason"),
    [
        ({TIMEDATECTL: result("Timezone=Asia/Ho_Chi_Minh\n")}, "timedatectl: unexpected output"),
        ({TIMEDATECTL: result("garbage")}, "timedatectl: unexpected output 'garbage'"),
        (
            {TIMEDATECTL: result("NTP=no\nNTPSynchronized=no\n"), CHRONYC: result("506 x\n")},
            "chronyc: unexpected output",
        ),
        ({TIMEDATECTL: {"error": "timedatectl: no answer within 10s"}}, "no answer within 10s"),
    ],
)
def test_time_sync_malformed_output_is_an_error(
    tmp_path: Path, commands: dict, reason: str
) -> None:
    access = tree(tmp_path, {}, commands)
    outcome = time_sync(ctx(access))
    assert outcome.status is Status.error
    assert reason in str(outcome.reason)


def test_time_sync_offline_decides_from_enabled_service(tmp_path: Path) -> None:
    link = install_unit(tmp_path, "systemd-timesyncd.service", "sysinit.target")
    outcome = time_sync(ctx(tree(tmp_path, {}, live=False)))
    assert outcome.status is Status.passed
    assert "offline image" in observed(outcome)[link]
    weak = time_sync(ctx(offline_image("linux-weak")))
    assert weak.status is Status.failed
    assert observed(weak) == {
        "/lib/systemd/system/systemd-timesyncd.service:10": "systemd-timesyncd.service "
        "disabled: `[Install]` but no link (read from configuration on an offline image)"
    }


def test_time_sync_live_without_tools_reads_configuration(tmp_path: Path) -> None:
    link = install_unit(tmp_path, "chrony.service")
    outcome = time_sync(ctx(tree(tmp_path, {})))
    assert outcome.status is Status.passed
    assert "`timedatectl` and `chronyc` not available" in observed(outcome)[link]


# --- linux.logging.auditd -------------------------------------------------------------


def test_auditd_hardened_and_weak() -> None:
    good = auditd(on("linux-hardened"))
    assert good.status is Status.passed
    assert observed(good) == {
        "command: systemctl is-active auditd": "active",
        "command: systemctl is-enabled auditd": "enabled",
        "/etc/audit/rules.d/30-netwatch-baseline.rules:4": "15 audit rules (-a/-A/-w), "
        "the first on this line",
    }
    bad = auditd(on("linux-weak"))
    assert bad.status is Status.failed
    found = observed(bad)
    assert found["command: systemctl is-active auditd"] == "inactive"
    assert found["command: systemctl is-enabled auditd"].startswith("not-found (Failed to get")


def test_auditd_offline_image() -> None:
    good = auditd(ctx(offline_image("linux-hardened")))
    assert good.status is Status.passed
    link = "/etc/systemd/system/multi-user.target.wants/auditd.service"
    assert (
        observed(good)[link]
        == "auditd.service enabled (read from configuration on an offline image)"
    )
    bad = auditd(ctx(offline_image("linux-weak")))
    assert bad.status is Status.failed
    assert observed(bad) == {
        "/var/lib/dpkg/status:14": "auditd not installed (read from configuration on an offline image)"
    }


def running_auditd(extra: dict | None = None) -> dict:
    return {
        "systemctl is-active auditd": result("active\n"),
        "systemctl is-enabled auditd": result("enabled\n"),
        **(extra or {}),
    }


def test_auditd_without_rules_fails_with_reason(tmp_path: Path) -> None:
    files = {"/etc/audit/rules.d/audit.rules": "-D\n-b 8192\n-f 1\n# -w /etc/passwd -p wa\n"}
    outcome = auditd(ctx(tree(tmp_path, files, running_auditd())))
    assert outcome.status is Status.failed
    assert str(outcome.reason) == "no audit rules"
    assert "no -a/-A/-w rules" in observed(outcome).values()


def test_auditd_rules_from_audit_rules_file(tmp_path: Path) -> None:
    files = {"/etc/audit/audit.rules": "-D\n-a always,exit -F arch=b64 -S mount -k mounts\n"}
    outcome = auditd(ctx(tree(tmp_path, files, running_auditd())))
    assert outcome.status is Status.passed
    assert "/etc/audit/audit.rules:2" in observed(outcome)


def test_auditd_disabled_but_running_fails(tmp_path: Path) -> None:
    commands = running_auditd({"systemctl is-enabled auditd": result("disabled\n", 1)})
    outcome = auditd(ctx(tree(tmp_path, {}, commands)))
    assert outcome.status is Status.failed
    assert observed(outcome)["command: systemctl is-enabled auditd"] == "disabled"


def test_auditd_without_systemd_running_reads_configuration(tmp_path: Path) -> None:
    commands = {
        "systemctl is-active auditd": result("", 1, "System has not been booted with systemd.\n"),
        "systemctl is-enabled auditd": result("enabled\n"),
    }
    files = {
        "/usr/sbin/auditd": "",
        "/etc/audit/rules.d/10-base.rules": "-w /etc/shadow -p wa -k identity\n",
    }
    link = install_unit(tmp_path, "auditd.service")
    outcome = auditd(ctx(tree(tmp_path, files, commands)))
    assert outcome.status is Status.passed
    assert observed(outcome)[link] == (
        "auditd.service enabled (systemctl could not answer: System has not been booted with "
        "systemd.; read from configuration)"
    )


def test_auditd_malformed_systemctl_output_is_an_error(tmp_path: Path) -> None:
    commands = running_auditd({"systemctl is-active auditd": result("Welcome to systemd\n")})
    outcome = auditd(ctx(tree(tmp_path, {}, commands)))
    assert outcome.status is Status.error
    assert "systemctl is-active: unexpected output 'Welcome to systemd'" in str(outcome.reason)


# --- linux.data.encryption ------------------------------------------------------------


def test_data_encryption_hardened_and_weak() -> None:
    good = data_encryption(on("linux-hardened"))
    assert good.status is Status.passed
    assert [str(e.observed) for e in good.evidence] == [
        "/home on vda [disk] > vda4 [part] > home_crypt [crypt]",
        "/srv on vdb [disk] > vdb1 [part] > srv_crypt [crypt]",
    ]
    bad = data_encryption(on("linux-weak"))
    assert bad.status is Status.failed
    assert observed(bad) == {
        f"command: {LSBLK}": "/home on sda [disk] > sda3 [part]: no crypt layer"
    }


def test_data_encryption_offline_reads_fstab_and_crypttab() -> None:
    good = data_encryption(ctx(offline_image("linux-hardened")))
    assert good.status is Status.passed
    assert observed(good)["/etc/fstab:13"] == (
        "/home on /dev/mapper/home_crypt, opened from /etc/crypttab:2 "
        "(read from configuration on an offline image)"
    )
    bad = data_encryption(ctx(offline_image("linux-weak")))
    assert bad.status is Status.failed
    assert "/home on UUID=6d2f8a14" in observed(bad)["/etc/fstab:11"]


def lsblk(*devices: dict) -> dict[str, object]:
    return result(json.dumps({"blockdevices": list(devices)}))


def dev(name: str, kind: str, mountpoint: str | None = None, *children: dict) -> dict:
    found: dict = {"name": name, "type": kind, "mountpoint": mountpoint, "fstype": None}
    if children:
        found["children"] = list(children)
    return found


def test_data_encryption_without_data_mounts_judges_root(tmp_path: Path) -> None:
    fstab = {"/etc/fstab": "UUID=1234 / ext4 errors=remount-ro 0 1\n"}
    plain = {LSBLK: lsblk(dev("sda", "disk", None, dev("sda1", "part", "/")))}
    outcome = data_encryption(ctx(tree(tmp_path / "a", fstab, plain)))
    assert outcome.status is Status.failed
    assert str(outcome.reason) == "data on unencrypted root filesystem"
    assert observed(outcome) == {
        f"command: {LSBLK}": "/ on sda [disk] > sda1 [part]: no crypt layer"
    }

    volume = dev("nvme0n1p3_crypt", "crypt", None, dev("vg0-root", "lvm", "/"))
    disk = dev("nvme0n1", "disk", None, dev("nvme0n1p3", "part", None, volume))
    encrypted = {LSBLK: lsblk(disk)}
    outcome = data_encryption(ctx(tree(tmp_path / "b", fstab, encrypted)))
    assert outcome.status is Status.passed
    assert "nvme0n1p3_crypt [crypt] > vg0-root [lvm]" in str(outcome.evidence[0].observed)


def test_data_encryption_offline_lvm_on_luks(tmp_path: Path) -> None:
    files = {
        "/etc/fstab": "/dev/mapper/office--vg-root / ext4 defaults 0 1\n"
        "/dev/office-vg/home /home ext4 defaults 0 2\n",
        "/etc/crypttab": "sda5_crypt UUID=abcd none luks,discard\n",
        "/etc/lvm/backup/office-vg": 'physical_volumes {\n pv0 {\n  device = "/dev/mapper/sda5_crypt"\n }\n}\n',
    }
    outcome = data_encryption(ctx(tree(tmp_path, files, live=False)))
    assert outcome.status is Status.passed
    assert "opened from /etc/crypttab:1" in observed(outcome)["/etc/fstab:2"]


def test_data_encryption_skips_network_mounts_and_honours_params(tmp_path: Path) -> None:
    files = {
        "/etc/fstab": "/dev/mapper/root_crypt / ext4 defaults 0 1\n"
        "nas:/export/data /data nfs4 defaults,_netdev 0 0\n"
        "UUID=77 /opt/records ext4 defaults 0 2\n",
        "/etc/crypttab": "root_crypt UUID=66 none luks\n",
    }
    access = tree(tmp_path, files, live=False)
    outcome = data_encryption(ctx(access))
    assert outcome.status is Status.passed  # /data is NFS: the root decides
    assert list(observed(outcome)) == ["/etc/fstab:1"]
    custom = DataEncryptionParams(data_mounts=("/opt/records/",))
    outcome = data_encryption(ctx(access, custom))
    assert outcome.status is Status.failed
    assert (
        "/opt/records on UUID=77 (ext4): not an encrypted device"
        in observed(outcome)["/etc/fstab:3"]
    )


def test_data_encryption_without_any_root_information_is_not_applicable(tmp_path: Path) -> None:
    outcome = data_encryption(ctx(tree(tmp_path, {}, {LSBLK: lsblk(dev("loop0", "loop"))})))
    assert outcome.status is Status.not_applicable
    assert "container" in str(outcome.reason)


@pytest.mark.parametrize(
    ("recording", "reason"),
    [
        (result("NAME TYPE MOUNTPOINT\nsda disk\n"), "lsblk: unexpected output: Expecting value"),
        (result('{"devices": []}'), "no blockdevices key"),
        (result('{"blockdevices": [{"type": "disk"}]}'), "a device without a name"),
        (result("", 1, "lsblk: unknown column: FSTYPE\n"), "lsblk exited with 1"),
    ],
)
def test_data_encryption_malformed_lsblk_is_an_error(
    tmp_path: Path, recording: dict[str, object], reason: str
) -> None:
    outcome = data_encryption(ctx(tree(tmp_path, {}, {LSBLK: recording})))
    assert outcome.status is Status.error
    assert reason in str(outcome.reason)


# --- parsers ----------------------------------------------------------------------------


def test_apt_conf_parser_scopes_comments_and_lines() -> None:
    text = (
        "/* block\n comment */\n"
        'Acquire::http::Proxy "http://proxy.office:3128"; // URL with // inside quotes\n'
        "#clear APT::Periodic;\n"
        'APT::Periodic { Update-Package-Lists "1";\n  Unattended-Upgrade "1"; };\n'
        'Unattended-Upgrade::Origins-Pattern { "origin=Debian"; };\n'
    )
    settings = [(s.key, s.value, s.source) for s in parse_apt_text(text, "/x").values()]
    assert settings == [
        ("Acquire::http::Proxy", "http://proxy.office:3128", "/x:3"),
        ("APT::Periodic::Update-Package-Lists", "1", "/x:5"),
        ("APT::Periodic::Unattended-Upgrade", "1", "/x:6"),
    ]


def test_automatic_updates_follow_clear_include_and_refusal(tmp_path: Path) -> None:
    """#clear and #include change what APT runs; a file APT refuses is a failure."""
    base = {"/etc/os-release": DEBIAN_12, "/var/lib/dpkg/status": DPKG_UU}
    on = 'APT::Periodic::Unattended-Upgrade "1";\n'
    cases = {
        "cleared": (on + "#clear APT::Periodic;\n", {}, "not set (default: off)"),
        "included": (
            on + '#include "/etc/apt/extra.conf";\n',
            {"/etc/apt/extra.conf": 'APT::Periodic::Unattended-Upgrade "0";\n'},
            'APT::Periodic::Unattended-Upgrade "0"',
        ),
        "refused": (on + 'Foo "1" 2;\n', {}, "Extra junk after value"),
    }
    for name, (text, extra, observed) in cases.items():
        files = {**base, "/etc/apt/apt.conf.d/20auto-upgrades": text, **extra}
        outcome = automatic_updates(ctx(tree(tmp_path / name, files, {})))
        assert outcome.status is Status.failed, name
        assert any(observed in str(e.observed) for e in outcome.evidence), (name, outcome.evidence)
