import sys

from pmlint.cli import main

sys.exit(main())
