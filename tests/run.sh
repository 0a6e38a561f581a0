#!/usr/bin/env bash
# Install what the tests need and run them: the README's test command, also run by CI.
#
#   bash tests/run.sh            # the whole suite
#   bash tests/run.sh -k engine  # extra arguments go to pytest
#
# Installs missing Debian packages (prometheus for promtool and the integration
# tests; needs root), creates .venv with netwatch[test], lints, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
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
.venv/bin/ruff check netwatch tests bench

set +e
.venv/bin/python -m pytest "$@"
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
