"""``python -m confidante`` runs the command line."""

from confidante.cli import main

main()
