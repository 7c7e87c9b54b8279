"""Web archives someone else made (WARC, WACZ): indexed, and read back as they were captured.

``provtrack audit --archive`` rebuilds pages and their images from the archive's response
records and reads every fact from the capture, never from today's web unless asked.
"""
