"""`python -m symopt` runs the command-line interface."""

from symopt.cli import main

main()
