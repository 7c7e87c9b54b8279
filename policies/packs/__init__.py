"""Built-in policy packs (YAML data files, one per jurisdiction); no code lives here."""
