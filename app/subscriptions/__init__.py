"""The subscriptions page's logic: an account's report subscriptions and their delivery log."""
