"""``python -m provenance`` runs the ``provtrack`` command."""

from provenance.cli import main

main()
