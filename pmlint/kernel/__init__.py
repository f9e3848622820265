"""What the kernel is, as data and small readers, no parsing of C: when the
PM core calls which member (pmcore), since when pm.h has what (pmhistory),
kernel versions and their ranges, Kconfig and Kbuild, and the vocabulary of
kernel APIs by effect (effects). Imports nothing of pmlint but the model,
the text layer and this package."""
