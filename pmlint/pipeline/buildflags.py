"""A compiler command line reduced to what the parser needs: headers and macros.

Both real-flag sources (a compile_commands.json entry, kbuild's CHECK
command) give a gcc command line. libclang needs only what decides the
preprocessed text and the type sizes; everything else (optimisation,
warnings, code generation, dependency files, and gcc options clang does not
know) is dropped rather than passed on, so that no option can change or stop
the parse.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

# Options kept, with their value attached (-Ifoo) or as the next argument (-I foo).
_KEEP_WITH_VALUE = ("-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote",
                    "-idirafter", "--sysroot", "-isysroot", "--target", "-target")
# Options kept as they are: they change predefined macros, type sizes or the search path.
_KEEP = re.compile(r"-nostdinc|-nostdlibinc|-std=.+|-ffreestanding|-fno-builtin|-fshort-wchar"
                   r"|-f(?:un)?signed-char|-fms-extensions|-m(?:16|32|64|x32)$")
# Options dropped together with the next argument (-o out.o, -MF dep.d, -x c, ...).
_DROP_WITH_VALUE = ("-o", "-MF", "-MT", "-MQ", "-x", "-Xassembler", "-Xlinker", "-Xpreprocessor",
                    "--param", "-aux-info", "-arch")
# A cross compiler's name gives clang the target: aarch64-linux-gnu-gcc.
_CROSS = re.compile(r"^(.+-linux-gnu\w*|.+-linux)-(?:gcc|cc|clang)(?:-[\d.]+)?$")


@dataclass(frozen=True)
class Command:
    flags: tuple[str, ...]     # what libclang gets, each option and value one argument
    inputs: tuple[str, ...]    # source files named on the command line
    output: str = ""           # the -o file, if any


def reduce(argv: list[str], compiler: bool = False) -> Command:
    """The parser's view of a gcc command line; compiler=True: argv[0] names the compiler."""
    flags: list[str] = []
    inputs: list[str] = []
    output = ""
    args = iter(argv)
    if compiler and argv:
        m = _CROSS.match(os.path.basename(next(args)))
        if m:
            flags.append(f"--target={m.group(1)}")
    for arg in args:
        if not arg.startswith("-") or arg == "-":
            inputs.append(arg)
            continue
        opt = _option(arg, _KEEP_WITH_VALUE)
        if opt:
            value = arg[len(opt):].lstrip("=") if arg != opt else next(args, "")
            flags += [f"{opt}={value}"] if opt.startswith("--") else [opt, value]
        elif _KEEP.fullmatch(arg):
            flags.append(arg)
        elif arg in _DROP_WITH_VALUE:
            value = next(args, "")
            if arg == "-o":
                output = value
    return Command(tuple(flags), tuple(inputs), output)


def _option(arg: str, names: tuple[str, ...]) -> str | None:
    """The longest of names that arg is or starts with (-include before -I)."""
    found = [n for n in names if arg == n or arg.startswith(n)]
    return max(found, key=len) if found else None
