"""What the random inspection plan registers with the shared layers: nothing yet (no portal form;
its public pages are read-only). Loaded by name (procedures.load)."""
