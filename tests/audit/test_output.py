"""Atomic report files with timestamped names that never replace an earlier report."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from netwatch.audit import output
from netwatch.audit.merge import merge_reports
from netwatch.audit.output import check_output_dir, report_stem, safe_name, write_documents
from netwatch.core.errors import UsageError
from tests.helpers.audit_reports import fixture_report


def test_names() -> None:
    report = fixture_report("linux-weak").model_copy(
        update={"generated_at": "2026-11-22T08:05:09Z"}
    )
    assert report_stem(report) == "netwatch-audit-pc-weak-20261122-080509"
    office = merge_reports([("a.json", report)], now=1_790_000_000)
    assert report_stem(office) == "netwatch-office-20260921-141320"
    assert safe_name("PC KẾ TOÁN/01") == "PC_K_TO_N_01"
    assert safe_name("../..") == "host"


def test_two_writes_in_the_same_second_give_two_sets(tmp_path: Path) -> None:
    documents = {"json": '{"n": 1}\n', "html": "<p>1</p>\n", "md": "# 1\n"}
    first = write_documents(tmp_path / "new" / "dir", "netwatch-audit-x-20261122-080509", documents)
    second = write_documents(tmp_path / "new" / "dir", "netwatch-audit-x-20261122-080509",
                             {k: v.replace("1", "2") for k, v in documents.items()})  # fmt: skip
    assert [p.name for p in first] == ["netwatch-audit-x-20261122-080509.json",
                                       "netwatch-audit-x-20261122-080509.html",
                                       "netwatch-audit-x-20261122-080509.md"]  # fmt: skip
    assert [p.name for p in second] == ["netwatch-audit-x-20261122-080509-2.json",
                                        "netwatch-audit-x-20261122-080509-2.html",
                                        "netwatch-audit-x-20261122-080509-2.md"]  # fmt: skip
    assert json.loads(first[0].read_text()) == {"n": 1}, "the first report is intact"
    assert json.loads(second[0].read_text()) == {"n": 2}
    assert sorted(os.listdir(first[0].parent)) == sorted(p.name for p in first + second)
    assert first[0].stat().st_mode & 0o777 == 0o600


def test_a_taken_name_is_skipped_even_for_one_format(tmp_path: Path) -> None:
    (tmp_path / "s.html").write_text("someone else's file")
    paths = write_documents(tmp_path, "s", {"json": "{}", "html": "<p>new</p>", "md": "new"})
    assert [p.name for p in paths] == ["s.json", "s-2.html", "s-2.md"]
    assert (tmp_path / "s.html").read_text() == "someone else's file"


def test_without_hard_links_names_are_still_never_reused(tmp_path: Path, monkeypatch) -> None:
    def no_links(source: str, target: os.PathLike[str]) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(output.os, "link", no_links)
    (tmp_path / "s.md").write_text("old")
    paths = write_documents(tmp_path, "s", {"md": "new"})
    assert [p.name for p in paths] == ["s-2.md"]
    assert (tmp_path / "s.md").read_text() == "old" and paths[0].read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["s-2.md", "s.md"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    def broken(source: str, target: os.PathLike[str]) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(output.os, "link", broken)
    with pytest.raises(OSError, match="Input/output error"):
        write_documents(tmp_path, "s", {"json": "{}"})
    assert os.listdir(tmp_path) == []


def test_output_must_be_a_directory(tmp_path: Path) -> None:
    file = tmp_path / "report.txt"
    file.write_text("x")
    with pytest.raises(UsageError, match="report.txt: is not a directory"):
        check_output_dir(file)
    check_output_dir(tmp_path / "missing")  # created when writing
