"""Backups and restore of the whole service (issue 22): `take` copies it while it runs, `restore`
puts a verified copy back into an empty place, `retention` says which copies to keep."""
