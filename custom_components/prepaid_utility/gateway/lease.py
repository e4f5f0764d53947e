"""Whether this instance drives its gateway when the ledger is shared (:mod:`..ledger.leases`).

Every poll first renews the lease; an instance that does not hold it reads nothing from the
bus, bills nothing and switches nothing, shows who drives the gateway, and takes over when the
holder stops renewing (stopped, killed, cut off from the database). The lease lasts three polls
(at least 15 seconds), so one slow poll does not hand the gateway over.

Identity of a gateway across instances: a network gateway is its address and port as typed
(two instances that reach the same converter at the same address share it); a serial adapter,
a simulated building or Home Assistant's own entities belong to one machine, so they are this
instance's id and the entry's id (shared only by a restored copy of this Home Assistant).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from ..billing.errors import PrepaidError
from ..const import CONF_ADDRESS, CONF_GATEWAY_TYPE, DOMAIN, GatewayType
from ..ledger import AsyncLedgerStore, SQLAlchemyError
from ..ledger.leases import Claimant, Lease
from ..repair_issues import raise_issue

_LOGGER = logging.getLogger(__name__)

POLLS_PER_TERM: Final = 3
MIN_TERM_S: Final = 15
DATA_CLAIMANT: HassKey[Claimant] = HassKey(f"{DOMAIN}_claimant")
NETWORK_GATEWAYS: Final = frozenset({GatewayType.TCP, GatewayType.RTU_OVER_TCP})


def gateway_identity(data: Mapping[str, Any], instance: str, entry_id: str) -> str:
    """Return the name two instances give the same gateway."""
    if GatewayType(data[CONF_GATEWAY_TYPE]) in NETWORK_GATEWAYS:
        return f"bus:{str(data['host']).strip().lower()}:{int(data['port'])}"
    return f"local:{instance}:{entry_id}"


def meter_identity(gateway: str, subentry_id: str, data: Mapping[str, Any], medium: str) -> str:
    """Return the name two instances give the same meter (:mod:`..ledger.identities`).

    A meter of a network gateway is its unit address and utility there; any other meter is
    its subentry (its gateway belongs to one machine).
    """
    if gateway.startswith("bus:"):
        return f"{gateway}#{str(data.get(CONF_ADDRESS, '')).strip().lower()}/{medium}"
    return f"{gateway}#{subentry_id}"


def shared_issue_id(entry_id: str) -> str:
    """Return the repair issue id of a gateway configured on two instances."""
    return f"gateway_shared_{entry_id}"


async def async_claimant(hass: HomeAssistant) -> Claimant:
    """Return this process's claimant: a token drawn once per start, the instance id, a name."""
    if (found := hass.data.get(DATA_CLAIMANT)) is not None:
        return found
    instance = await instance_id.async_get(hass)
    claimant = Claimant(uuid.uuid4().hex, instance, hass.config.location_name or instance)
    return hass.data.setdefault(DATA_CLAIMANT, claimant)


class GatewayLease:
    """Renew, hold or wait for one gateway's lease, and say when another instance wants it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        title: str,
        ledger: AsyncLedgerStore,
        *,
        identity: str,
        claimant: Claimant,
        poll_s: int,
    ) -> None:
        """Claim ``identity`` for ``claimant``, for three polls of ``poll_s`` at a time."""
        self.hass = hass
        self.entry_id = entry_id
        self.title = title
        self.ledger = ledger
        self.identity = identity
        self.claimant = claimant
        self.term_s = max(POLLS_PER_TERM * poll_s, MIN_TERM_S)
        self.held = False
        self.holder_name: str | None = None
        self._valid_until = 0.0  # monotonic: how long a held lease stands without the ledger
        self._raised_for: str | None = None

    async def async_claim(self) -> bool:
        """Take or renew the lease; return whether this instance drives the gateway now."""
        try:
            lease = await self.ledger.run(
                lambda s: s.claim_gateway(self.identity, self.claimant, self.term_s)
            )
        except (PrepaidError, SQLAlchemyError) as err:
            # The ledger is out of reach: the lease we hold stands for its term (nobody can
            # take it before that), then this instance stops driving rather than risk two.
            still = self.held and time.monotonic() < self._valid_until
            if self.held and not still:
                _LOGGER.warning("%s: lease not renewed, standing by: %s", self.title, err)
            self.held = still
            return still
        self._adopt(lease)
        return lease.held

    def _adopt(self, lease: Lease) -> None:
        if lease.held and not self.held and self.holder_name not in {None, self.claimant.name}:
            _LOGGER.warning("%s: taken over from %s", self.title, self.holder_name)
        elif not lease.held and self.held:
            _LOGGER.warning("%s: now driven by %s", self.title, lease.holder_name)
        self.held = lease.held
        self.holder_name = lease.holder_name
        if lease.held:
            self._valid_until = time.monotonic() + self.term_s
        self._issue(lease.contender_name)

    def _issue(self, other: str | None) -> None:
        if other == self._raised_for:
            return
        self._raised_for = other
        if other is None:
            ir.async_delete_issue(self.hass, DOMAIN, shared_issue_id(self.entry_id))
            return
        raise_issue(
            self.hass,
            shared_issue_id(self.entry_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="gateway_shared",
            translation_placeholders={
                "gateway": self.title,
                "other": other,
                "driver": self.holder_name or other,
            },
        )

    async def async_release(self) -> None:
        """Hand the gateway over at once (unload, stop); the ledger may already be gone."""
        if not self.held:
            return
        self.held = False
        try:
            await self.ledger.run(lambda s: s.release_gateway(self.identity, self.claimant.token))
        except (PrepaidError, SQLAlchemyError) as err:
            _LOGGER.debug("%s: lease not released (it lapses): %s", self.title, err)
