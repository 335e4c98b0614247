"""Deterministic demo traffic: realistic canonical events (calls, messages, agent status) for one account."""

from operational.simulator.day import simulate
from operational.simulator.traffic import SimulationProfile

__all__ = ["SimulationProfile", "simulate"]
