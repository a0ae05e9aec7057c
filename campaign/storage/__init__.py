"""The instance's shared state in one database, and the safe writes of the campaign's files.

`database` (the URL, one engine per process, transactions), `tables` (every table, once),
`schema` (Alembic migrations, `migrations/`), `counts` (anonymous letters sent, receipts),
`reports` (what came of them, as anonymously), `throttle` (rate limits, sign-in delays),
`organisers` (console accounts), `second_factor` (TOTP and recovery codes) and `factors` (an
organiser's second factor as stored), `audit` (who changed what), `versions` (kept copies of
edited files), `legacy` (the import of an instance from before the database), `safe_files`
(lock, version check, atomic write of the campaign's files).
"""
