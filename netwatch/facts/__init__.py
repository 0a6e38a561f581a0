"""Host facts: what a host is, has and runs, read once per run and shared.

Inventory, audit and the posture checks look at the same facts: each format is read
by one parser here (``os_release``, ``packages``, ``accounts``, ``listening``, ...),
into frozen dataclasses that keep where each value was read (``path:line``) for the
evidence of the checks. :class:`netwatch.facts.host.HostFacts` produces each fact at
most once for one :class:`~netwatch.hostaccess.HostAccess`.
"""
