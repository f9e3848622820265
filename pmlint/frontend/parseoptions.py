"""What the frontend is told to parse a file with (ParseOptions).
"""
from __future__ import annotations

from dataclasses import dataclass

from pmlint.kernel import kversion

DEFAULT_CONFIG = ("CONFIG_PM", "CONFIG_PM_SLEEP", "CONFIG_SUSPEND", "CONFIG_HIBERNATION",
                  "CONFIG_HIBERNATE_CALLBACKS", "CONFIG_PM_CLK", "CONFIG_PM_GENERIC_DOMAINS",
                  "CONFIG_PM_GENERIC_DOMAINS_SLEEP", "CONFIG_XEN")


@dataclass(frozen=True)
class ParseOptions:
    """What the preprocessor is told: the macros defined (CONFIG_ options and
    -D), as NAME (=1) or NAME=VALUE."""

    config: tuple[str, ...] = DEFAULT_CONFIG
    # A build's real flags for this file (see pmlint.pipeline.buildflags), relative to
    # directory: then the kernel's headers replace the prelude and config.
    flags: tuple[str, ...] = ()
    directory: str = ""
    # Options switched off one at a time (with what needs them), to compare
    # how the file compiles without each (PM204, PM205); headerless only.
    switch_off: tuple[str, ...] = ("CONFIG_PM_SLEEP", "CONFIG_PM")
    # A file that drives the PM core is also parsed in every other setting
    # of the CONFIG_ options that the #ifs around its PM-core callers name,
    # at most this many of them (2**vary settings); the others keep the
    # value given. 0: the configuration given only. Headerless only.
    vary: int = 4
    # Options the kernel tree never builds the file without (pmlint.kernel.buildneeds,
    # through pmlint.pipeline.inputs): a configuration without one is not compared.
    needed: tuple[str, ...] = ()
    # The kernel a file's version checks (LINUX_VERSION_CODE) are evaluated
    # against; headerless only (real flags bring the kernel's version.h).
    kernel_version: kversion.Version = kversion.NEWEST
    # A range's last version (--kernel-version A..B, A as kernel_version): the
    # runner analyses the file once per outcome of its version checks.
    kernel_upto: kversion.Version | None = None
    # The runner analyses the file once per setting of the driver's own
    # CONFIG_ options around its PM code (pmlint.pipeline.optionscan), but for those
    # the user set (-D, -U): pinned. Headerless only.
    vary_options: bool = True
    pinned: tuple[str, ...] = ()

    @property
    def macros(self) -> tuple[str, ...]:
        """What the headerless parse defines: the configuration and the kernel version."""
        return (*self.config, kversion.define(self.kernel_version))
