"""``python -m provtrack`` runs the ``provtrack`` command."""

from provtrack.cli import main

main()
