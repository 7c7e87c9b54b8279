"""Readers for every machine-readable reuse and opt-out signal a web host, page or image carries.

Each reader is a pure function over bytes, headers or HTML; none fetches, none raises on content.

- ``robotstxt``: RFC 9309 snapshots, per-agent decisions with the deciding line, the AI panel,
  robots-level Content-Signal / Content-Usage;
- ``aitxt``: Spawning ai.txt; ``tdmrep``: W3C TDMRep file, headers, metas and policies;
- ``robotsmeta``: meta robots and X-Robots-Tag; ``contentusage``: AIPREF Content-Usage and
  Content-Signal values; ``license``: rel=license, JSON-LD and Creative Commons marks;
- ``page``: everything one HTML page says, with its image candidates;
- ``gate``: the opt-out gate over all of the above.
"""
