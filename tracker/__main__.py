"""`python -m tracker` works like the `tracker` command."""

import sys

from tracker.cli.main import main

sys.exit(main())
