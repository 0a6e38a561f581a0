"""Certificates close to expiry are flagged (the probe still succeeds): in the result,
the ``check`` record and the metrics. Real TLS servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from netwatch.i18n import Message
from netwatch.probes.base import probers, run_probe
from netwatch.probes.record import as_record
from netwatch.probes.result import ProbeResult
from netwatch.probes.scheduler import ProbeJob
from netwatch.probes.tlsutil import TlsParams
from tests.helpers.certs import TestCA
from tests.probes.http_servers import running_server
from tests.probes.tcp_servers import ServerThread, banner, sample, server_context


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """TLS servers whose certificates have 5 and 40 days left, and the CA that signed them."""
    ca = TestCA(tmp_path_factory.mktemp("ca"))
    soon, later = ca.issue("soon", days_valid=5), ca.issue("later", days_valid=40)
    with contextlib.ExitStack() as stack:
        servers = stack.enter_context(ServerThread())
        yield {
            "ca": str(ca.cert_path),
            "tcp": {
                name: servers.serve(banner(b"hi\r\n"), server_context(cert))
                for name, cert in (("soon", soon), ("later", later))
            },  # fmt: skip
            "https": {
                name: stack.enter_context(running_server(cert.cert, cert.key))
                for name, cert in (("soon", soon), ("later", later))
            },  # fmt: skip
        }


def probe(sites: dict, prober: str, site: str, **tls: object) -> tuple[ProbeJob, ProbeResult]:
    """Probe the site whose certificate expires ``soon`` or ``later`` with a prober."""
    trust = {"ca_file": sites["ca"], **tls}
    if prober == "http":
        target, params = f"{sites['https'][site]}/ok", {"tls": trust}
    elif prober == "tcp":
        target, params = f"127.0.0.1:{sites['tcp'][site]}", {"tls": True, "tls_config": trust}
    else:
        target, params = f"127.0.0.1:{sites['tcp'][site]}", {"tls": trust}
    impl = probers()[prober]
    model = impl.params_model.model_validate(params)
    job = ProbeJob("svc", impl, target, model, 60.0, 10.0)
    return job, asyncio.run(run_probe(impl, target, model, 10.0))


@pytest.mark.parametrize("prober", ["http", "tcp", "tls"])
def test_five_days_left_is_a_warning_not_a_failure(sites: dict, prober: str) -> None:
    job, result = probe(sites, prober, "soon")
    assert result.success, result.detail
    warning = result.warnings["cert_expiring"]
    assert isinstance(warning, Message)
    assert re.fullmatch(r"certificate expires in [45](\.\d)? days \(warning below 14 days\)",
                        str(warning))  # fmt: skip
    assert re.fullmatch(r"chứng thư số hết hạn sau [45](,\d)? ngày \(ngưỡng cảnh báo 14 ngày\)",
                        warning.render("vi"))  # fmt: skip
    assert sample(result, prober, "netwatch_probe_tls_cert_expiring") == 1
    record = as_record(job, result, time.time())
    assert record["status"] == "warning"
    assert record["cert_expiring"] is True
    assert record["cert_warning_days"] == 14
    assert record["warnings"] == [{"kind": "cert_expiring", "detail": str(warning),
                                   "detail_message": warning.to_record()}]  # fmt: skip


@pytest.mark.parametrize("prober", ["http", "tcp", "tls"])
def test_forty_days_left_is_no_warning(sites: dict, prober: str) -> None:
    job, result = probe(sites, prober, "later")
    assert result.success, result.detail
    assert result.warnings == {}
    assert sample(result, prober, "netwatch_probe_tls_cert_expiring") == 0
    record = as_record(job, result, time.time())
    assert (record["status"], record["cert_expiring"], record["warnings"]) == ("up", False, [])


def test_the_threshold_is_a_setting_of_the_service(sites: dict) -> None:
    _, relaxed = probe(sites, "http", "soon", expiry_warning_days=3)
    assert relaxed.success and relaxed.warnings == {}
    _, strict = probe(sites, "http", "later", expiry_warning_days=60)
    assert strict.success
    assert "warning below 60 days" in str(strict.warnings["cert_expiring"])
    _, off = probe(sites, "tcp", "soon", expiry_warning_days=0)
    assert off.warnings == {}
    assert sample(off, "tcp", "netwatch_probe_tls_cert_expiring") == 0


def test_a_plain_service_has_no_certificate_fields(sites: dict) -> None:
    with ServerThread() as servers:
        port = servers.serve(banner(b"hi\r\n"))
        impl = probers()["tcp"]
        job = ProbeJob("svc", impl, f"127.0.0.1:{port}", impl.params_model(), 60.0, 10.0)
        result = asyncio.run(run_probe(impl, job.target, job.params, 10.0))
    record = as_record(job, result, time.time())
    assert (record["status"], record["cert_expiring"], record["cert_warning_days"]) == (
        "up", None, None)  # fmt: skip
    assert sample(result, "tcp", "netwatch_probe_tls_cert_expiring") is None


def test_a_negative_threshold_is_refused() -> None:
    with pytest.raises(ValidationError, match="expiry_warning_days"):
        TlsParams.model_validate({"expiry_warning_days": -1})
