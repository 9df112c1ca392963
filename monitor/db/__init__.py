"""Storage: tables, engine set-up and migrations."""
