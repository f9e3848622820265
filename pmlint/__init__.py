"""pmlint: check Linux driver power-management callback tables."""

__version__ = "0.2.0"
