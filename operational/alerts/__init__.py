"""Metric alerts (issue 19): rules per account, the firing state machine, history and delivery.

``rules`` stores what to watch, ``state_machine`` decides when to tell (once per episode), ``firing`` records
and delivers a decision (e-mail, signed webhook, ``system:alert`` stream event), ``live_evaluation`` watches
the live figures. The windowed rates are read from the served warehouse by ``exports/alerts``.
"""
