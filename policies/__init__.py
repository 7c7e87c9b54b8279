"""Policy packs (one data file per jurisdiction) and the pure evaluator that applies them.

Imports nothing of provtrack but plain record types and errors; never fetches, never stores.
"""
