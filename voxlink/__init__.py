"""VoxLink Analytics' shared base: settings, the served-warehouse reader, its freshness, owner-only files."""
