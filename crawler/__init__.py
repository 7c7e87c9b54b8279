"""provtrack's Scrapy side: spider, downloader middlewares and pipelines, shipped as an add-on.

Only this package imports Scrapy and Playwright.
"""
