"""Who may look: password sign-in, its rate limit, roles and the demo accounts' logins."""
