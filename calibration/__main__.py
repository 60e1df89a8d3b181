"""Command-line entry: ``python -m calibration --help``."""

from calibration.cli import main

raise SystemExit(main())
