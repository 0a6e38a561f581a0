"""``netwatch report merge|render``: office reports, re-rendering, and broken inputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netwatch.audit.merge import merge_reports
from netwatch.cli.app import app
from tests.conftest import netwatch_argv
from tests.helpers.audit_reports import (
    assert_valid,
    fixture_report,
    listing,
    save,
)

runner = CliRunner()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(netwatch_argv(*args), capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})  # fmt: skip


def saved_pair(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(exist_ok=True)
    return (save(fixture_report("linux-hardened"), directory / "srv-hardened.json"),
            save(fixture_report("linux-weak"), directory / "pc-weak.json"))  # fmt: skip


def test_merge_ranks_weak_first(tmp_path: Path) -> None:
    hardened, weak = saved_pair(tmp_path / "in")
    out = tmp_path / "office"
    result = runner.invoke(app, ["report", "merge", str(hardened), str(weak), "--output", str(out),
                                 "--lang", "vi", "--office", "UBND huyện"])  # fmt: skip
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".html", ".json", ".md"]
    assert files[0].stem.startswith("netwatch-office-") and {f.stem for f in files} == {
        files[0].stem
    }
    document = json.loads(files[1].read_text(encoding="utf-8"))
    assert_valid(document, "office-report")
    assert [h["hostname"] for h in document["hosts"]] == ["pc-weak", "srv-hardened"]
    assert document["office"] == "UBND huyện"
    assert document["sources"] == [str(hardened), str(weak)]
    lines = result.stdout.splitlines()
    assert lines.index(next(x for x in lines if "pc-weak" in x)) < lines.index(
        next(x for x in lines if "srv-hardened" in x)
    )


def test_merge_notes_duplicates_and_stale_hosts(tmp_path: Path) -> None:
    hardened, weak = saved_pair(tmp_path / "in")
    old = fixture_report("linux-weak").model_copy(update={"generated_at": "2020-01-01T00:00:00Z"})
    older = save(old, tmp_path / "in" / "pc-weak-2020.json")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "merge", str(older), str(hardened), str(weak),
                                 "--output", str(out), "--stale-days", "7"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"netwatch: note: {older}: an older report of pc-weak" in result.stderr
    assert f"merged {weak} instead" in result.stderr
    document = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert len(document["hosts"]) == 2 and document["stale_days"] == 7
    assert document["superseded"][0]["source"] == str(older)


def test_render_host_and_office_reports(tmp_path: Path) -> None:
    hardened, weak = saved_pair(tmp_path / "in")
    office = save(merge_reports([(str(hardened), fixture_report("linux-hardened"))]),
                  tmp_path / "in" / "office.json")  # fmt: skip
    out = tmp_path / "out"
    for source in (weak, office):
        result = runner.invoke(app, ["report", "render", str(source), "--lang", "vi",
                                     "--output", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert [n.rsplit(".", 1)[1] for n in names] == ["html", "md", "html", "md"]
    assert names[0].startswith("netwatch-audit-pc-weak-") and names[2].startswith(
        "netwatch-office-"
    )
    again = runner.invoke(app, ["report", "render", str(weak), "--output", str(out)])
    assert again.exit_code == 0 and len(list(out.iterdir())) == 6, "nothing overwritten"


def broken_inputs(directory: Path) -> dict[str, tuple[Path, str]]:
    """Files that merge and render must refuse, with the expected reason."""
    text = save(fixture_report("linux-weak"), directory / "source.json").read_text()
    files = {
        "truncated": (text[: len(text) // 2], "truncated JSON: the document ends early at line"),
        "corrupted": (text.replace('"results": [', '"results": [}', 1), "invalid JSON at line"),
        "wrong schema": ('{"schema": "lynis-report", "hosts": []}', "not a netwatch report"),
        "not utf-8": (text.replace("Ubuntu", "Ubuntu\udcff"), "not UTF-8 text"),
    }
    found = {}
    for name, (content, reason) in files.items():
        path = directory / f"{name.replace(' ', '-')}.json"
        path.write_bytes(content.encode("utf-8", errors="surrogateescape"))
        found[name] = (path, reason)
    found["missing"] = (directory / "missing.json", "no such file")
    return found


@pytest.mark.parametrize("command", ["merge", "render"])
def test_broken_input_exits_2_naming_the_file_and_writes_nothing(
    tmp_path: Path, command: str
) -> None:
    good, _ = saved_pair(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    (out / "netwatch-office-20260101-000000.json").write_text("an earlier office report")
    (out / "netwatch-audit-pc-weak-20260101-000000.html").write_text("an earlier host report")
    before = listing(out)
    for name, (path, reason) in broken_inputs(tmp_path / "in").items():
        inputs = [str(good), str(path)] if command == "merge" else [str(path)]
        result = run("report", command, *inputs, "--output", str(out), "--lang", "vi")
        assert result.returncode == 2, (name, result.stderr)
        assert result.stderr.startswith(f"netwatch: error: {path}: {reason}"), (name, result.stderr)
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
        assert result.stdout == ""
        assert listing(out) == before, name


def test_merge_refuses_an_office_report(tmp_path: Path) -> None:
    hardened, _ = saved_pair(tmp_path / "in")
    office = save(merge_reports([(str(hardened), fixture_report("linux-hardened"))]),
                  tmp_path / "office.json")  # fmt: skip
    out = tmp_path / "out"
    result = run("report", "merge", str(hardened), str(office), "--output", str(out))
    assert result.returncode == 2
    assert (
        f"{office}: this is an office report, a host audit report is needed here" in result.stderr
    )
    assert not out.exists()


def test_report_usage_errors(tmp_path: Path) -> None:
    hardened, _ = saved_pair(tmp_path / "in")
    for args in (["merge", str(hardened), "--output", str(tmp_path), "--lang", "fr"],
                 ["render", str(hardened)],
                 ["merge", "--output", str(tmp_path)],
                 ["merge", str(hardened), "--output", str(tmp_path), "--stale-days", "-1"]):  # fmt: skip
        result = runner.invoke(app, ["report", *args])
        assert result.exit_code == 2, (args, result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_merge_carries_the_office_of_the_reports_and_signers(tmp_path: Path) -> None:
    named = save(fixture_report("linux-weak", office="UBND xã Thanh Bình"), tmp_path / "w.json")
    unnamed = save(fixture_report("linux-hardened", office=""), tmp_path / "h.json")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "merge", str(named), str(unnamed), "--output", str(out),
                                 "--preparer", "Lê Văn Bình"])  # fmt: skip
    assert result.exit_code == 0, result.output
    (json_file,) = out.glob("*.json")
    document = json.loads(json_file.read_text(encoding="utf-8"))
    assert document["office"] == "UBND xã Thanh Bình" and document["preparer"] == "Lê Văn Bình"
    (html,) = out.glob("*.html")
    assert "UBND xã Thanh Bình" in html.read_text(encoding="utf-8")
