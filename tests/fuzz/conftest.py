"""Hypothesis profiles for the fuzz tests.

``ci`` (the default) is bounded and repeatable: a fixed number of examples per test,
derandomized so every CI run tries the same inputs, no example database written. The
budget for the whole folder is 60-90 s on a 2-core machine (measured: 55 s with 50
examples per test). ``deep`` is for a long local hunt, random and with
``NETWATCH_FUZZ_EXAMPLES`` examples (default 2000):
``NETWATCH_FUZZ_PROFILE=deep NETWATCH_FUZZ_EXAMPLES=400 pytest tests/fuzz``. Crashing
inputs found by a hunt are kept as ``@example`` lines on the test that found them.

Hypothesis settings are process-wide: loading the profile here also applies it to
hypothesis tests elsewhere in the same pytest run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=int(os.environ.get("NETWATCH_FUZZ_EXAMPLES", "2000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("NETWATCH_FUZZ_PROFILE", "ci"))
