"""The shell's machinery around the pages: navigation per role, background warm-up and prefetch."""
