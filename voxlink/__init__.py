"""VoxLink Analytics: settings and the command line that composes the product's parts."""
