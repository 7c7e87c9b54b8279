"""The store's read queries, one module per topic, named for what they answer.

Everything that talks SQL to the store lives under :mod:`provenance.store`; the record library
above it (evaluation, report, export, trace, purge, ...) asks these functions and shapes what
they return. ``tests/test_import_direction.py`` holds the rule: ``select``/``text`` of SQLModel
or SQLAlchemy appear nowhere else.
"""
