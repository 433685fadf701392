"""Mesa agents: named handles on rows of the model's arrays, for the dashboard, tests and
analysts to inspect. An attribute that is a column of the row reads it, and writing it writes
the row (``unit.cash = 500.0`` sets ``model.E.cash[unit.row]``) unless it is marked read-only
(``alive``, ``founded``, a member's ``enterprise``: changing them takes a mechanism); derived
attributes (names, counts, sums over other tables) are read-only. The model makes a row's
handle the first time it is asked for (``model.enterprises[row]``) and keeps it."""

from sim.agents.client import PrivateMarket, PublicClient
from sim.agents.enterprise import Enterprise
from sim.agents.member import Member
from sim.agents.mission import Mission

__all__ = ["Enterprise", "Member", "Mission", "PublicClient", "PrivateMarket"]
