"""I/O behind small interfaces: settings, database, mail, documents, clock."""
