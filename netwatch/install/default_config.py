"""The config file `netwatch service install` writes when there is none yet."""

from __future__ import annotations

# Only comments: every setting keeps its embedded default, so an upgrade brings new
# defaults along instead of pinning the ones of the day the service was installed.
DEFAULT_CONFIG = """\
# netwatch agent configuration, written by `netwatch service install`.
#
# Every setting left out keeps its embedded default. Show the effective config:
#   netwatch config show --config THIS_FILE
# Check a change, then reload the service (systemctl reload netwatch on Linux):
#   netwatch config check THIS_FILE
# Every setting is described in configs/netwatch.example.yaml of netwatch's source.
#
# server:
#   listen: 127.0.0.1:8934      # a LAN address needs TLS or basic auth (web_config)
#   web_config: web.yml         # TLS and basic auth; relative to this file
# collectors:
#   lan:
#     enabled: false            # ARP sweep of the LAN: one host per office
"""
