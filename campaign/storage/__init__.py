"""The instance's state: safe file writes, versions, the audit log, counts, organiser accounts."""
