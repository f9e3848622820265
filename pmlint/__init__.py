"""pmlint: check Linux driver power-management callback tables."""

__version__ = "0.1.0"
