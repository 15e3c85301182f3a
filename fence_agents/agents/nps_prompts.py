"""The command prompts WTI units show. A module of its own: the declaration (:mod:`nps`) and the screen
parser (:mod:`nps_screens`) both need them, and neither may import the other (metadata stays light, the
pure parser stays free of the framework's entry point)."""

DEFAULT_PROMPTS = ("RSM>", "MPC>", "IPS>", "TPS>", "NBB>", "NPS>", "VMR>")
