"""`python -m tracker` works like the `tracker` command."""

import sys

from tracker.cli import main

sys.exit(main())
