"""Pages for people outside the agency (supervisors, institutions): one-time links."""
