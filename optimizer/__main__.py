"""``python -m optimizer …`` runs the ``interdict`` command line."""

from .cli import main

main()
