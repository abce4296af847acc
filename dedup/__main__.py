"""Run the command line: python -m dedup."""

from dedup.cli import main

main()
