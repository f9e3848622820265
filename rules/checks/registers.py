"""Which device register a read or a write call names, from its arguments
as written (model.Call.args), and whether two name the same one.

`readl(base + CICR1)`, `__raw_readl(PSC_SEL(wd))` and `regmap_read(map,
OUTPUT_EN, &v)` read the register their address argument names;
`writel(v, base + CICR1)`, `regmap_write(map, OUTPUT_EN, v)` and
`regmap_update_bits(map, OUTPUT_EN, m, v)` write it. A register is the last
upper-case name of that argument (the offset comes last: `base + SA1111_INTC
+ SA1111_INTEN0` is SA1111_INTEN0, `OUTPUT_EN + sizeof(u32)` OUTPUT_EN), or
the member an address of a register struct ends at (`&regs->cmd`). An
address with neither (`regs + i * sizeof(u32)` in a loop), or one that
ends at a macro given a plain variable as an offset
(`GIO_BANK_OFF(bank->id, i)`), is
a block of registers: any register written through one of the names it
uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pmlint.model import Call
from pmlint.text import ctext
from pmlint.rules.checks import cexpr

_CONSTANT = re.compile(r"\b[A-Z_][A-Z0-9_]*[A-Z][A-Z0-9_]*\b")
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F]+|[1-9][0-9]*|0)[uUlL]*")
_NAME = re.compile(r"\b[A-Za-z_]\w+\b")
_VARIABLE = re.compile(r"[a-z_]\w*")
# Names in an address that say nothing about where it points.
_NOT_PLACES = frozenset(("sizeof", "u8", "u16", "u32", "u64", "int", "long", "unsigned", "void",
                         "__iomem", "uintptr_t", "size_t", "true", "false"))
# Writes whose register (a field, a GPIO, a destination) is their first argument.
_FIRST_IS_REGISTER = ("regmap_field_", "gpiod_", "gpio_", "memcpy_toio")


def arguments(args: str) -> list[str]:
    """A call's arguments, split at the commas outside brackets, blanks trimmed."""
    return [a.strip() for a in ctext.split_outside(args)]


@dataclass(frozen=True)
class Register:
    """A register as an address argument names it: `name`, or, for a block
    of registers or a variable one, none; `places`, the names the address
    uses."""

    name: str
    places: frozenset[str] = frozenset()
    shown: str = ""   # the address as written

    def written_by(self, write: "Register") -> bool:
        """Whether a write of `write` writes this register, read: the same
        name; for a block, any write through a name it uses. A write whose
        register is a variable (`base + reg`) may be any: not this one."""
        if self.name:
            return self.name == write.name
        return bool(self.places & write.places)


def register(address: str) -> Register:
    """The register an address argument names."""
    address = address.strip()
    if _NUMBER.fullmatch(address):   # regmap_read(map, 0x42, &v)
        return Register(str(int(address.rstrip("uUlL"), 0)), shown=address)
    constants = _CONSTANT.findall(address)
    indexed = _indexed(address, constants[-1]) if constants else None
    if indexed is not None:
        # The block is where the address points outside the macro: its base.
        return Register("", _places(address[:indexed.start()] + address[indexed.end():]), address)
    if constants:
        return Register(constants[-1], _places(address), address)
    members = cexpr.MEMBER.findall(address)
    if address.startswith("&") and members:
        return Register(members[-1], _places(address), address)
    return Register("", _places(address), address)


def _indexed(address: str, name: str) -> re.Match | None:
    """The call of the macro the address ends at when it is given a plain
    variable past its first argument, an offset (`GIO_BANK_OFF(bank->id,
    i)` in a loop): a block of registers, as `base + i * 4` is. Not a first
    argument: that is the base (`PSC_SEL(wd)`)."""
    m = re.search(rf"\b{name}\s*\(([^()]*)\)(?=\s*\)*\s*$)", address)
    if m is not None and any(_VARIABLE.fullmatch(a.strip()) for a in m.group(1).split(",")[1:]):
        return m
    return None


def _places(address: str) -> frozenset[str]:
    names = cexpr.MEMBER.findall(address) or _NAME.findall(address)
    return frozenset(n for n in names if n not in _NOT_PLACES and not _CONSTANT.fullmatch(n))


def read_address(call: Call) -> str:
    """The argument naming the register a read call reads: the only one
    (`readl(addr)`), else the second (`regmap_read(map, REG, &v)`) unless it
    is where the value goes (`regmap_field_read(field, &v)`)."""
    args = arguments(call.args)
    if len(args) == 1 or args[1].startswith("&"):
        return args[0]
    return args[1]


def write_address(call: Call) -> tuple[str, str]:
    """(the argument naming the register a write call writes, its other
    arguments): the second (`writel(v, addr)`, `regmap_write(map, REG, v)`),
    or the first for fields, GPIOs and copies to device memory."""
    args = arguments(call.args)
    # Through a pointer, two arguments are the register and the value
    # (gpio_chip's `write_reg(reg, value)`).
    first = call.name.startswith(_FIRST_IS_REGISTER) or (call.indirect and len(args) == 2)
    at = 0 if len(args) == 1 or first else 1
    return args[at], ", ".join(a for i, a in enumerate(args) if i != at)
