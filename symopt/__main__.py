"""`python -m symopt` runs the command-line interface."""

from symopt.cli.main import main

main()
