"""The command line's front ends: `pmlint` (pmlint.cli.main) and kbuild's
checker calls (pmlint.cli.kbuild). Nothing below imports them."""
