"""Datasets someone else collected: URL manifests and img2dataset output folders, read in chunks.

The audit (``provtrack audit``) checks every image URL a dataset lists as a compliant collection
would have; this package only reads the datasets and compares their local copies with what
the URLs serve now. It never fetches.
"""
