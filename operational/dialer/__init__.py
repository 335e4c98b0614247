"""The auto-dialer: pure decision rules, a carrier interface, and the engine that applies them to campaigns."""
