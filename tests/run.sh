#!/usr/bin/env bash
# Install what the tests need and run them: the README's test command, also run by CI.
#
#   bash tests/run.sh            # the whole suite (the full lane)
#   bash tests/run.sh --fast     # the fast lane: no servers, namespaces, Windows lab or fuzzing
#   bash tests/run.sh -k engine  # extra arguments go to pytest
#
# Installs missing Debian packages (prometheus for promtool and the integration
# tests, prometheus-blackbox-exporter to compare /probe with, prometheus-alertmanager
# (amtool) for the shipped Alertmanager config, victoria-metrics for the two-office
# lab (tests/helpers/office_lab.py), Wine and mingw-w64 for
# the Windows lab, debootstrap, lintian and binutils for the packages; needs root),
# creates .venv with netwatch[test], lints, type-checks for Linux and Windows, runs
# bandit and pip-audit, builds the Windows lab (tests/winlab, cached in
# ~/.cache/netwatch-winlab) and the Linux executable and .deb (packaging/linux, cached
# in ~/.cache/netwatch-packaging), then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

fast=0
if [ "${1:-}" = "--fast" ]; then
    fast=1
    shift
fi

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-blackbox-exporter >/dev/null 2>&1 || missing+=(prometheus-blackbox-exporter)
command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# nft and iptables-restore: the firewall differential tests (tests/differential/test_firewall.py)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v iptables-restore >/dev/null 2>&1 || missing+=(iptables)
# systemctl --root and systemd-analyze --offline: tests/differential/test_systemd.py
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)  # tests/assets/test_register_libreoffice.py
command -v wine >/dev/null 2>&1 || missing+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing+=(gcc-mingw-w64-x86-64)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v lintian >/dev/null 2>&1 || missing+=(lintian)
command -v readelf >/dev/null 2>&1 || missing+=(binutils)
if ((fast)); then
    missing=()
fi
if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "tests/run.sh: need root to install Debian packages: ${missing[*]}" >&2
        exit 2
    fi
    echo "tests/run.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check netwatch dashboards tests bench
.venv/bin/mypy netwatch dashboards
.venv/bin/mypy --platform win32 netwatch
# Security lint: medium and high findings fail the run (low ones: docs/security.md).
.venv/bin/bandit -q -r netwatch -ll
if ((!fast)); then
    # Known vulnerabilities of the installed packages: a finding fails the run; packages
    # the vulnerability service could not look up are counted, never passed silently.
    audit="$(.venv/bin/pip-audit --progress-spinner off --skip-editable 2>&1)" || {
        echo "$audit" >&2
        exit 1
    }
    unaudited=$(grep -c "could not be audited" <<<"$audit" || true)
    echo "tests/run.sh: pip-audit: no known vulnerabilities; $unaudited package(s) not found by the vulnerability service"
fi

# The Windows lab: official Windows CPython running netwatch under Wine. Built here,
# with the package registries reachable; the tests then run without a network.
lane=()
if ((fast)); then
    lane=(-m "not integration and not lan and not winlab and not fuzz")
elif command -v wine >/dev/null 2>&1 && command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    echo "tests/run.sh: building the Windows lab"
    NETWATCH_WINLAB="$(.venv/bin/python -m tests.winlab.build | tail -n 1)"
    export NETWATCH_WINLAB
    NETWATCH_WINDOWS_EXE="$(.venv/bin/python packaging/windows/build_exe.py "$NETWATCH_WINLAB" | tail -n 1)"
    export NETWATCH_WINDOWS_EXE
else
    export NETWATCH_WINLAB_SKIP="Wine or mingw-w64 is not installed (Debian: wine wine64 gcc-mingw-w64-x86-64)"
    echo "tests/run.sh: Windows lab skipped: $NETWATCH_WINLAB_SKIP" >&2
fi

# The Linux single executable, the .deb, a minimal Debian root to install it in and one
# with sshd, sudo, useradd and apt-config, and Debian 11's sshd (cached in
# ~/.cache/netwatch-packaging, keyed by their sources).
if ((!fast)); then
    echo "tests/run.sh: building the Linux executable, the .deb and the Debian test root"
    NETWATCH_LINUX_DIST="$(.venv/bin/python packaging/linux/build_deb.py | tail -n 1)"
    NETWATCH_DEB_TESTROOT="$(.venv/bin/python -m tests.packaging.testroot | tail -n 1)"
    # The programs whose verdicts posture checks must match (tests/differential/).
    NETWATCH_PROGRAMS_ROOT="$(.venv/bin/python -m tests.differential.programs_root | tail -n 1)"
    # Debian 11's sshd, for the OpenSSH 8.4 semantics (tests/differential/test_sshd.py).
    NETWATCH_OPENSSH84_ROOT="$(.venv/bin/python -m tests.differential.openssh84_root | tail -n 1)"
    export NETWATCH_LINUX_DIST NETWATCH_DEB_TESTROOT NETWATCH_PROGRAMS_ROOT NETWATCH_OPENSSH84_ROOT
fi

# Network safety: as root, the tests run in a fresh network namespace that has
# only a loopback interface, so no test can send a packet off this machine.
runner=()
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 && unshare --net true 2>/dev/null; then
    runner=(unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh)
else
    echo "tests/run.sh: not root: running without a private network namespace" >&2
fi

set +e
"${runner[@]}" .venv/bin/python -m pytest "${lane[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    # pytest's "no tests collected": fine for a narrow selection, a failure for the full suite.
    if [ "$#" -gt 0 ]; then
        echo "tests/run.sh: no test matched the selection: $*"
        exit 0
    fi
    echo "tests/run.sh: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
