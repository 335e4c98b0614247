"""SQL the operational database runs that is generated from elsewhere (the catalogue's metric functions)."""
