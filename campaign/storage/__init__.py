"""The instance's state: safe file writes, versions, the audit log, counts, organiser accounts.

`safe_files` (lock, version check, atomic write), `versions` (kept copies of edited files),
`audit` (who changed what), `counts` (anonymous letters sent), `reports` (what came of them,
as anonymously), `organisers` (console accounts).
"""
