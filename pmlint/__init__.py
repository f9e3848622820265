"""pmlint: check Linux driver power-management callback tables."""

import importlib.util
import os
import sys

__version__ = "0.2.0"


class _CheckoutRules:
    """The rule catalogue is rules/ at the top of a checkout, and the subpackage
    pmlint.rules once installed (pyproject.toml maps the one to the other). Run
    from a checkout (`python -m pytest` at its root, PYTHONPATH=CHECKOUT), this
    package has no rules/ of its own: this finder makes pmlint.rules the
    checkout's rules/. Installed, the package is self-contained and this is
    never used."""

    def __init__(self, directory: str):
        self.directory = directory

    def find_spec(self, name, path=None, target=None):
        if name != "pmlint.rules":   # its modules are found through its __path__
            return None
        return importlib.util.spec_from_file_location(
            name, os.path.join(self.directory, "__init__.py"),
            submodule_search_locations=[self.directory])


def _find_checkout_rules() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    beside = os.path.join(os.path.dirname(here), "rules")
    if os.path.isdir(os.path.join(here, "rules")) or not os.path.isfile(os.path.join(beside, "__init__.py")):
        return
    if not any(isinstance(f, _CheckoutRules) for f in sys.meta_path):
        sys.meta_path.insert(0, _CheckoutRules(beside))


_find_checkout_rules()
