"""The instance's storage as it was at commit f14c341, before the database: the old formats.

Verbatim copies of campaign/storage/{counts,organisers,audit,versions,safe_files}.py at that
commit (only their imports point here), used by tests/storage/test_legacy.py to build an
instance folder exactly as that version left it, then import it.
"""
