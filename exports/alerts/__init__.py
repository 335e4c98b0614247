"""Alert evaluation over the served warehouse (issue 19): the windowed rates after each refresh, and the
long-lived evaluator loop that also watches the live figures and retries webhooks."""
