"""pmlint.text.conditions: which #ifs near PM code the headerless parse cannot evaluate."""
from __future__ import annotations

from pmlint.text.conditions import unevaluable

TABLE = b"static const struct dev_pm_ops foo_pm_ops = { .suspend = foo_suspend };\n"


def assumed(condition: bytes, known=frozenset({"KERNEL_VERSION", "LINUX_VERSION_CODE"}),
            macros=(), body=TABLE, path="/nonexistent/x.c"):
    source = condition + b"\n" + body + b"#endif\n"
    return [(a.line, a.names, a.function_like) for a in unevaluable(path, source, macros, known)]


def test_what_is_known_is_not_noted():
    assert assumed(b"#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 4, 0)") == []
    assert assumed(b"#if defined(FOO) || defined BAR || CONFIG_FOO || __GNUC__ >= 5") == []
    assert assumed(b"#if __has_include(<linux/foo.h>) && FOO_LEVEL > 1", macros=("FOO_LEVEL=2",)) == []
    assert assumed(b"#if FOO /* FOO_SDK_REV */") == [(1, ("FOO",), False)]
    assert assumed(b"#ifdef FOO_SDK") == []        # #ifdef asks a question the parse answers


def test_unknown_names_and_function_like_macros():
    assert assumed(b"#if FOO_REV >= 3 && FOO_HAS(PM, FOO_REV)") == [(1, ("FOO_REV", "FOO_HAS()"), True)]
    assert assumed(b"#if FOO_REV \\\n  >= BAR_REV") == [(1, ("FOO_REV", "BAR_REV"), False)]
    # Not near PM code: nothing to say.
    assert assumed(b"#if FOO_REV >= 3", body=b"static int foo_debug;\n") == []


def test_a_dead_branch_is_not_read(tmp_path):
    source = b"#if 0\n#if FOO_HAS(PM)\n" + TABLE + b"#endif\n#else\n#if BAR_REV\n" + TABLE + b"#endif\n#endif\n"
    assert [a.line for a in unevaluable(str(tmp_path / "x.c"), source, (), frozenset())] == [6]


def test_the_local_headers_define_too(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "x.h").write_text('#include "sub/y.h"\n')
    (tmp_path / "sub" / "y.h").write_text("#define FOO_REV 3\n")
    source = b'#include "x.h"\n#if FOO_REV >= 3 && BAR_REV\n' + TABLE + b"#endif\n"
    found = unevaluable(str(tmp_path / "x.c"), source, (), frozenset())
    assert [(a.line, a.names, a.condition) for a in found] == [
        (2, ("BAR_REV",), "#if FOO_REV >= 3 && BAR_REV")]
