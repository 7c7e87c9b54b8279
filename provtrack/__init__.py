"""provtrack, the tool: the command line and the runs it drives, above the libraries.

``crawler`` (Scrapy), ``provenance`` (the record) and ``policies`` (the rules) know nothing of
this package; it wires them together for users. Heavy modules are imported inside the commands
that need them, so ``provtrack --help`` stays fast.
"""

from provenance import __version__

__all__ = ["__version__"]
