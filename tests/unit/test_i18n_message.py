"""Messages: English by default, Vietnamese from the catalogue, kept through the report JSON."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from netwatch.audit.i18n import probe_reason_name, recorded
from netwatch.audit.model import CheckRecord, EvidenceItem, ServiceRecord
from netwatch.core.yamlfile import ConfigError
from netwatch.i18n import Message, msg, parse_catalogue, render
from netwatch.posture.checks.common.backup import NO_PATHS
from netwatch.posture.model import CheckMeta, CheckResult, Evidence, Severity, Text, failed
from netwatch.posture.serialize import result_record
from netwatch.probes.base import classify_error
from netwatch.probes.result import ProbeResult

DEFAULT = "{name} not set: the OpenSSH default is {value}"


def test_a_message_is_english_text_and_renders_in_vietnamese() -> None:
    shown = msg(DEFAULT, name="PasswordAuthentication", value="yes")
    assert str(shown) == "PasswordAuthentication not set: the OpenSSH default is yes"
    assert shown.render("vi") == (
        "PasswordAuthentication chưa được đặt: giá trị mặc định của OpenSSH là yes"
    )
    assert render(shown, "en") == str(shown)
    assert (
        render("sshd_config:12 PermitRootLogin yes", "vi") == "sshd_config:12 PermitRootLogin yes"
    )


def test_nested_messages_and_numbers_follow_the_language() -> None:
    inner = msg("connection refused")
    outer = msg("{text} ({risk})", text=inner, risk=1234.5)
    assert str(outer) == "connection refused (1234.5)"
    assert outer.render("vi") == "máy chủ từ chối kết nối (1234,5)"
    assert Message.from_record(outer.to_record()) == outer


def test_a_template_and_its_parameters_must_agree() -> None:
    with pytest.raises(ValueError, match=r"placeholders \['value'\] but parameters \['other'\]"):
        msg("default is {value}", other="yes")
    with pytest.raises(ValueError, match="placeholders are"):
        msg("positional {}")
    with pytest.raises(TypeError, match="parameter value is None"):
        msg("default is {value}", value=None)  # type: ignore[arg-type]


def test_an_unknown_language_or_entry_falls_back_to_english() -> None:
    assert msg("no such entry {x}", x=1).render("vi") == "no such entry 1"
    assert NO_PATHS.render("fr") == str(NO_PATHS)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('"a":\n  "b": 1\n', "line 2: 'a': the translation must be a non-empty string"),
        ('"x"  : "y"\n"Host {hostname}": "Máy {host}"\n',
         "line 2: 'Host {hostname}': the translation has placeholders {host}, the English "
         "{hostname}: use the same on both sides"),
        ('"{0} files": "{0} tệp"\n', "line 1: '{0} files': template '{0} files': placeholders"),
        ('"a {b": "c"\n', "line 1: 'a {b': "),
    ],
)  # fmt: skip
def test_a_bad_catalogue_entry_names_the_file_and_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_catalogue(text, "netwatch/i18n/vi/cli.yaml")
    assert str(caught.value).startswith(f"netwatch/i18n/vi/cli.yaml: {problem}")


def _result(reason: Message, observed: str | Message) -> CheckResult:
    meta = CheckMeta(
        "common.backup.recent", Text("t", "t"), Text("r", "r"), Text("m", "m"),
        "backup", Severity.high, ("linux",),
    )  # fmt: skip
    outcome = failed(Evidence("policy", observed, "at least one"), reason=reason)
    return CheckResult(meta, Severity.high, outcome, 0.1)


def test_posture_json_keeps_english_and_the_message_and_the_report_renders_it() -> None:
    observed = msg(DEFAULT, name="X11Forwarding", value="no")
    record = result_record(_result(NO_PATHS, observed))
    assert record["reason"] == str(NO_PATHS)
    assert record["reason_message"] == {"template": NO_PATHS.template, "params": {}}
    assert record["evidence"][0]["observed"] == "X11Forwarding not set: the OpenSSH default is no"
    assert "expected_message" not in record["evidence"][0]
    loaded = CheckRecord.model_validate(record)
    assert recorded(loaded.reason, loaded.reason_message, "vi") == (
        "chưa cấu hình vị trí sao lưu trong chính sách (checks.<id>.params.paths)"
    )
    item = loaded.evidence[0]
    assert recorded(item.observed, item.observed_message, "vi").startswith("X11Forwarding chưa")
    assert recorded(item.expected, item.expected_message, "vi") == "at least one"


def test_a_report_written_before_messages_still_loads_in_english() -> None:
    old = EvidenceItem.model_validate({"source": "policy", "observed": "no backup paths"})
    assert recorded(old.observed, old.observed_message, "vi") == "no backup paths"


def test_a_refused_probe_reads_in_vietnamese_in_the_report() -> None:
    reason, detail = classify_error(ConnectionRefusedError(111, "Connection refused"))
    result = ProbeResult().fail(reason, detail)
    assert (result.reason, result.detail) == ("refused", "connection refused")
    assert result.detail_message is not None
    service = ServiceRecord(
        service="portal", kind="tcp", target="127.0.0.1:1", success=False, reason=result.reason,
        detail=result.detail, detail_message=result.detail_message.to_record(),
    )  # fmt: skip
    shown = recorded(service.detail, service.detail_message, "vi")
    assert (
        f"{probe_reason_name('refused', 'vi')} — {shown}" == "bị từ chối — máy chủ từ chối kết nối"
    )
    assert probe_reason_name("refused", "en") == "refused"


def test_a_message_with_a_secret_is_kept_as_masked_english() -> None:
    result = ProbeResult().fail("error", msg("{text} ({risk})", text="password=hunter2", risk="x"))
    assert "hunter2" not in result.detail
    assert result.detail_message is None


def test_an_english_text_in_two_catalogue_files_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files of a language are one catalogue: a text translated twice names the file."""
    module = importlib.import_module("netwatch.i18n.catalogue")

    package = tmp_path / "i18n"
    (package / "vi").mkdir(parents=True)
    (package / "vi" / "a.yaml").write_text('"Up": "Hoạt động"\n', encoding="utf-8")
    (package / "vi" / "b.yaml").write_text('"Up": "Lên"\n', encoding="utf-8")
    monkeypatch.setattr(module.resources, "files", lambda _: package)
    module.catalogue.cache_clear()
    try:
        with pytest.raises(ConfigError) as caught:
            module.catalogue("vi")
    finally:
        module.catalogue.cache_clear()
    assert str(caught.value).startswith("netwatch/i18n/vi/b.yaml: 'Up': also translated in a.yaml")
