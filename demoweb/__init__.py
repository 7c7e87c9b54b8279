"""A realistic multi-site web on loopback, behind a forward proxy, with its truth written down.

Knows nothing of the rest of provtrack: it is a fixture and a teaching tool.
"""
