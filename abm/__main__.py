"""Command-line entry: ``python -m abm --help``."""

from abm.cli import main

raise SystemExit(main())
