"""VoxLink Analytics' shared base: settings, the served-warehouse reader and its freshness, owner-only files, SMTP."""
