"""pmlint.pipeline.outfile: the one way pmlint replaces a file."""
import os
import stat

import pytest

from pmlint.pipeline.outfile import replace_atomically


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".pmlint-tmp")]


def test_a_replaced_file_keeps_its_permission_bits(tmp_path):
    target = tmp_path / "drv.c"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    replace_atomically(str(target), b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


def test_a_new_file_gets_what_open_would_give_it(tmp_path):
    old = os.umask(0o027)
    try:
        replace_atomically(str(tmp_path / "baseline.json"), b"{}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "baseline.json").stat().st_mode) == 0o640


def test_a_check_that_refuses_writes_nothing_and_leaves_nothing(tmp_path):
    target = tmp_path / "drv.c"
    target.write_bytes(b"old\n")

    def refuse():
        raise RuntimeError("changed")

    with pytest.raises(RuntimeError):
        replace_atomically(str(target), b"new\n", before=refuse)
    assert target.read_bytes() == b"old\n"
    assert _leftovers(tmp_path) == []


def test_a_directory_in_the_way_is_an_oserror_and_leaves_nothing(tmp_path):
    (tmp_path / "report.html").mkdir()
    with pytest.raises(OSError):
        replace_atomically(str(tmp_path / "report.html"), b"<html>")
    assert (tmp_path / "report.html").is_dir()
    assert _leftovers(tmp_path) == []
