"""Which register a read or a write names (pmlint.rules.checks.registers), as PM109 asks
where else the file writes a saved register."""
from __future__ import annotations

import pytest

from pmlint.model import Call
from pmlint.rules.checks.registers import arguments, read_address, register, write_address


def _call(name: str, args: str) -> Call:
    return Call(name, 1, 1, args=args)


@pytest.mark.parametrize("address, name", [
    ("base + SA1111_INTC + SA1111_INTEN0", "SA1111_INTEN0"),   # the offset comes last
    ("PSC_SEL(wd)", "PSC_SEL"),
    ("OUTPUT_EN + sizeof(u32)", "OUTPUT_EN"),
    ("port->membase + UART_RBR(port)", "UART_RBR"),
    ("&regs->cmd", "cmd"),
    ("0x42", "66"),
    ("ptp_dte->regs + (i * sizeof(u32))", ""),   # a block
    ("info->base + reg", ""),                     # a variable
    ("priv->reg_base + GIO_BANK_OFF(bank->id, i)", ""),   # a block: a macro given an offset variable
    ("priv->reg_base + GIO_MASK(bank->id)", "GIO_MASK"),
    ("GIO_BANK_OFF(bank, GIO_REG_EC)", "GIO_REG_EC"),
])
def test_a_register_is_named_by_its_address_argument(address, name):
    assert register(address).name == name


def test_the_register_argument_of_reads_and_writes():
    assert read_address(_call("readl", "pcdev->base + CICR1")) == "pcdev->base + CICR1"
    assert read_address(_call("regmap_read", "map, OUTPUT_EN, &info->pm.out_en_l")) == "OUTPUT_EN"
    assert read_address(_call("regmap_field_read", "field, &v")) == "field"
    assert write_address(_call("writel", "v, base + CICR1")) == ("base + CICR1", "v")
    assert write_address(_call("regmap_update_bits", "map, REG, MASK, val")) == ("REG", "map, MASK, val")
    assert write_address(_call("regmap_field_write", "field, v")) == ("field", "v")
    assert arguments("a, f(b, c), d[1, 2]") == ["a", "f(b, c)", "d[1, 2]"]
    # Through a pointer, two arguments are the register and the value (gpio_chip's write_reg).
    through = Call("write_reg", 1, 1, args="priv->reg_base + GIO_MASK(bank->id), imask", indirect=True)
    assert write_address(through) == ("priv->reg_base + GIO_MASK(bank->id)", "imask")
    three = Call("write_reg", 1, 1, args="priv, XCAN_SRR_OFFSET, val", indirect=True)
    assert write_address(three) == ("XCAN_SRR_OFFSET", "priv, val")


def test_a_write_writes_a_saved_register_by_name_or_through_a_saved_block():
    saved = register("pcdev->base + CICR1")
    assert saved.written_by(register("pcdev->base + CICR1"))
    assert not saved.written_by(register("pcdev->base + CICR2"))
    assert not saved.written_by(register("pcdev->base + reg"))     # may be any: not this one
    block = register("ptp_dte->regs + (i * sizeof(u32))")
    assert block.written_by(register("ptp_dte->regs + DTE_NCO_INC_REG"))
    assert block.written_by(register("regs + DTE_NCO_TIME_REG"))
    assert not block.written_by(register("other->base + DTE_NCO_INC_REG"))
    bank = register("priv->reg_base + GIO_BANK_OFF(bank->id, i)")
    assert bank.written_by(register("priv->reg_base + GIO_EC(bank->id)"))
