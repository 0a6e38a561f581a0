"""docs/probes.md is generated from the parameter models and its examples validate."""

from __future__ import annotations

from pathlib import Path

from netwatch.devtools.probe_docs import example_services, render
from netwatch.probes.base import probers
from netwatch.probes.config import service_model
from tests.helpers.certs import TestCA

DOCS = Path(__file__).parents[2] / "docs" / "probes.md"


def test_page_is_current() -> None:
    assert DOCS.read_text() == render(), "run: python -m netwatch.devtools regen"


def test_every_parameter_is_documented() -> None:
    text = DOCS.read_text()
    for name, prober in probers().items():
        assert f"## `{name}`" in text
        for field, info in prober.params_model.model_fields.items():
            assert f"| `{field}` |" in text, f"{name}.{field}"
            assert info.description, f"{name}.{field} has no description"


def test_examples_validate(tmp_path: Path) -> None:
    ca_file = TestCA(tmp_path).cert_path  # the example names a CA file on the host
    examples = example_services()
    assert {entry["prober"] for entry in examples} == set(probers())
    for entry in examples:
        http = entry.get("http", {})
        if "tls" in http:
            http["tls"]["ca_file"] = str(ca_file)
        service = service_model().model_validate(entry)
        assert service.params() == getattr(service, service.prober)
