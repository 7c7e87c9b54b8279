"""Exports of the record store: JSONL (one object per image), CSV, WACZ."""
