"""Print production for organisers: a batch of supporters' letters, an event kit, a dossier."""
