"""The console's edits of the campaign's files: change, validate, save, keep a version, log."""
