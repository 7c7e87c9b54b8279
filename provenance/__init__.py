"""provtrack's record: what an image is, where it came from and what its source said about it.

This package never imports Scrapy; the crawler turns responses into plain data and hands
them here.
"""

__version__ = "0.1.0"
