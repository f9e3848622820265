"""Where a file sets its own functions as members of an initializer:
`.write_raw = bh1750_write_raw,` in a `struct iio_info`, `.unlocked_ioctl =
foo_ioctl` in a `struct file_operations`: the entries through which a
subsystem calls the driver. Text facts, read with the bodies
(pmlint.text.bodytext); which entries mean what is for the rules to say.
"""
from __future__ import annotations

import re

# `.member = function` or `.member = &function`, ended by `,` or `}`.
_MEMBER = re.compile(rb"\.\s*([A-Za-z_]\w*)\s*=\s*&?\s*([A-Za-z_]\w*)\s*(?=[,}])")


def function_members(masked: bytes, functions) -> list[tuple[str, str, int]]:
    """(member, function, offset of the `.`) of each designated member the
    masked text sets to one of `functions`, in the order written."""
    wanted = {f.encode() for f in functions}
    return [(m.group(1).decode(), m.group(2).decode(), m.start())
            for m in _MEMBER.finditer(masked) if m.group(2) in wanted]
