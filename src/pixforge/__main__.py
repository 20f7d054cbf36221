"""`python -m pixforge` runs the CLI."""

from pixforge.cli import main

main()
