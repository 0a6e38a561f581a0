"""The config lines an officer pastes after issuing: the agent's web config and prometheus.yml."""

from __future__ import annotations

from pathlib import PurePath


def web_config(directory: PurePath, host_file: str) -> str:
    """An exporter-toolkit web config for the agent whose files are ``host_file``.crt/.key."""
    return (
        "tls_server_config:\n"
        f"  cert_file: {directory / (host_file + '.crt')}\n"
        f"  key_file: {directory / (host_file + '.key')}\n"
        f"  client_ca_file: {directory / 'ca.crt'}\n"
        "  client_auth_type: RequireAndVerifyClientCert\n"
        "  min_version: TLS12\n"
        "# optional, on top of the client certificate:\n"
        "# basic_auth_users:\n"
        "#   prometheus: <the hash printed by `netwatch hash-password`>\n"
    )


def scrape_job(directory: PurePath, client_file: str, targets: list[str]) -> str:
    """A prometheus.yml scrape job using the client certificate ``client_file``.crt/.key."""
    listed = ", ".join(f'"{t}"' for t in targets)
    return (
        "scrape_configs:\n"
        "  - job_name: netwatch\n"
        "    scheme: https\n"
        "    tls_config:\n"
        f"      ca_file: {directory / 'ca.crt'}\n"
        f"      cert_file: {directory / (client_file + '.crt')}\n"
        f"      key_file: {directory / (client_file + '.key')}\n"
        "    # with basic_auth_users in the agents' web config:\n"
        "    # basic_auth:\n"
        "    #   username: prometheus\n"
        f"    #   password_file: {directory / 'password'}\n"
        "    static_configs:\n"
        f"      - targets: [{listed}]\n"
    )
