"""Readers for every machine-readable reuse and opt-out signal a web host, page or image carries.

Each reader is a pure function over bytes, headers or HTML; none fetches, none raises on content.
"""
