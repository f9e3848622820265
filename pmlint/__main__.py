import sys

from pmlint.cli.main import main

sys.exit(main())
