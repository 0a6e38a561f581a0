"""``netwatch tls init|issue|show``: the office CA and its certificates."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from netwatch.cli.context import cli_state
from netwatch.cli.errors import ExitCode, friendly_errors
from netwatch.cli.options import App

app = App(
    help="The office CA: create it, issue agent and Prometheus certificates, show a certificate.",
    no_args_is_help=True,
)

AGENT_PORT = 8934
PROMETHEUS_DIR = "/etc/prometheus/netwatch"

DirOption = Annotated[
    Path | None,  # noqa: UP007 - typer needs Optional on Python 3.10
    typer.Option(
        "--dir",
        help="Directory of the office CA [default: /etc/netwatch/tls; on Windows "
        "%ProgramData%\\netwatch\\tls].",
        file_okay=False,
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace existing files.")]


@app.command()
def init(
    ctx: typer.Context,
    directory: DirOption = None,
    name: Annotated[str, typer.Option("--name", help="The CA's name, e.g. the office.")] = (
        "netwatch office CA"
    ),
    days: Annotated[int, typer.Option("--days", help="Lifetime in days.")] = 3650,
    passphrase: Annotated[
        bool, typer.Option("--passphrase", help="Encrypt the CA key; asked for at every issue.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Create the office CA: ca.crt (give it to every host and to Prometheus) and ca.key
    (keep it on this machine only)."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.pki.ca import ca_paths, create_ca, save_ca
        from netwatch.pki.files import CA_DIR_MODE, default_dir, ensure_dir, refuse_existing

        target = directory or default_dir()
        cert_path, key_path = ca_paths(target)
        refuse_existing([key_path, cert_path], force)
        ca = create_ca(name, days)
        secret = _new_passphrase() if passphrase else None
        _warn(ensure_dir(target, CA_DIR_MODE))
        save_ca(ca, target, secret, force)
        typer.echo(f"CA certificate: {cert_path}  (valid until {ca.not_after:%Y-%m-%d})")
        typer.echo(f"CA key:         {key_path}  (never copy it to another host)")
        typer.echo(f"Next: netwatch tls issue HOST... --dir {target}")


@app.command()
def issue(
    ctx: typer.Context,
    hosts: Annotated[
        list[str] | None,  # noqa: UP007 - typer needs Optional on Python 3.10
        typer.Argument(
            help="Names and IP addresses of ONE agent host (the first name is its CN and "
            "file name), e.g. pc-ketoan-01 pc-ketoan-01.ubnd.local 10.0.0.21.",
            show_default=False,
        ),
    ] = None,
    directory: DirOption = None,
    client: Annotated[
        str | None,  # noqa: UP007 - typer needs Optional on Python 3.10
        typer.Option("--client", help="Issue the client certificate NAME for Prometheus instead."),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Lifetime in days (at most 825).")] = 397,
    out: Annotated[
        Path | None,  # noqa: UP007 - typer needs Optional on Python 3.10
        typer.Option(
            "--out", help="Where to write the files [default: the CA directory].", file_okay=False
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Issue a server certificate for one agent host, or with --client a client certificate
    for Prometheus. Writes NAME.crt and NAME.key (0600)."""
    with friendly_errors(cli_state(ctx).debug):
        from netwatch.core.errors import UsageError
        from netwatch.pki.ca import load_ca
        from netwatch.pki.files import OUT_DIR_MODE, default_dir, ensure_dir, refuse_existing
        from netwatch.pki.issue import issue_client, issue_server, save_issued
        from netwatch.pki.names import parse_client_name, parse_hosts

        if client is not None and hosts:
            raise UsageError(
                "give either HOST... (a server certificate) or --client NAME, not both"
            )
        names = None
        if client is not None:
            stem = parse_client_name(client)
        else:
            names = parse_hosts(hosts or [])
            stem = names.primary
        if stem == "ca":
            raise UsageError("the name 'ca' would clash with the CA's own files; put another first")
        ca_dir = directory or default_dir()
        target = out or ca_dir
        refuse_existing([target / f"{stem}.key", target / f"{stem}.crt"], force)
        ca = load_ca(ca_dir, _ask_passphrase)
        issued = issue_client(ca, stem, days) if names is None else issue_server(ca, names, days)
        _warn(ensure_dir(target, OUT_DIR_MODE))
        cert_path, key_path = save_issued(issued, target, stem, force)
        until = f"{issued.cert.not_valid_after_utc:%Y-%m-%d}"
        if issued.clamped:
            _warn(f"the certificate ends with the CA on {until}; renew the CA before then")
        typer.echo(f"certificate: {cert_path}  (valid until {until})")
        typer.echo(f"key:         {key_path}  (0600: copy it only to where it is used)")
        typer.echo(f"CA:          {ca_dir / 'ca.crt'}")
        if names is None:
            _print_prometheus_steps(stem)
        else:
            _print_agent_steps(stem)


def _print_prometheus_steps(client: str) -> None:
    from netwatch.pki.snippets import scrape_job

    typer.echo(f"\nOn the Prometheus server, copy these three files to {PROMETHEUS_DIR}/")
    typer.echo("(the key readable by the prometheus user only) and add to prometheus.yml:\n")
    typer.echo(scrape_job(PurePosixPath(PROMETHEUS_DIR), client, [f"HOST:{AGENT_PORT}"]), nl=False)


def _print_agent_steps(host: str) -> None:
    from netwatch.pki.files import default_dir
    from netwatch.pki.snippets import scrape_job, web_config

    host_dir = default_dir()
    typer.echo(f"\nOn {host}, copy these three files to {host_dir} and give the")
    typer.echo("agent this web config (netwatch serve --web-config FILE):\n")
    typer.echo(web_config(host_dir, host), nl=False)
    typer.echo("\nPrometheus scrapes it with a job like this (client certificate from")
    typer.echo("`netwatch tls issue --client prometheus`):\n")
    job = scrape_job(PurePosixPath(PROMETHEUS_DIR), "prometheus", [f"{host}:{AGENT_PORT}"])
    typer.echo(job, nl=False)


@app.command()
def show(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A PEM certificate file.", dir_okay=False)],
    directory: DirOption = None,
) -> None:
    """Show a certificate: names, usage, issuer, expiry and whether the office CA signed it.
    Exits 1 when it has expired."""
    with friendly_errors(cli_state(ctx).debug):
        import datetime as dt

        from netwatch.pki.ca import ca_paths, load_certificate
        from netwatch.pki.describe import describe, signed_by
        from netwatch.pki.files import default_dir

        cert = load_certificate(file)
        now = dt.datetime.now(dt.timezone.utc)
        description = describe(cert, file)
        for line in description.lines(now):
            typer.echo(line)
        ca_cert_path = ca_paths(directory or default_dir())[0]
        if ca_cert_path.is_file() and ca_cert_path.resolve() != file.resolve():
            ca_cert = load_certificate(ca_cert_path, "CA certificate")
            verdict = "yes" if signed_by(cert, ca_cert) else "NO"
            typer.echo(f"office CA:   {verdict} ({ca_cert_path})")
        if now >= description.not_after:
            raise typer.Exit(int(ExitCode.FINDINGS))


def _prompt(text: str, twice: bool) -> bytes:
    """A passphrase typed without echo (or one line of stdin); UsageError when none comes."""
    from netwatch.core.errors import UsageError

    try:
        answer: str = typer.prompt(text, hide_input=True, confirmation_prompt=twice)
    except typer.Abort:
        raise UsageError("no passphrase given for the CA key") from None
    return answer.encode()


def _new_passphrase() -> bytes:
    return _prompt("Passphrase for the CA key", twice=True)


def _ask_passphrase() -> bytes:
    return _prompt("Passphrase of the CA key", twice=False)


def _warn(message: str | None) -> None:
    if message:
        typer.echo(f"netwatch: warning: {message}", err=True)
