"""Mesa agents: named handles on rows of the model's arrays, for the dashboard, tests and
analysts to inspect. Reading or writing an attribute reads or writes the row."""

from sim.agents.client import PrivateMarket, PublicClient
from sim.agents.enterprise import Enterprise
from sim.agents.member import Member
from sim.agents.mission import Mission

__all__ = ["Enterprise", "Member", "Mission", "PublicClient", "PrivateMarket"]
