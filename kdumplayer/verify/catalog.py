"""Every verify scenario by name: the ones on the board's own disk
(verify/scenarios.py), then the network target ones (verify/network.py)."""

from __future__ import annotations

from kdumplayer.verify import network, scenarios
from kdumplayer.verify.scenarios import Scenario

SCENARIOS: dict[str, Scenario] = {
    **scenarios.SCENARIOS,
    **{
        name: scenarios.proven_only(name, network.scenario(name))
        for name in network.NETWORK_SCENARIOS
    },
}
