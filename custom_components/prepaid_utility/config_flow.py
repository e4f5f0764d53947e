"""Config flow: one entry per building gateway."""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.util import slugify

from .const import CONF_BUILDING, DOMAIN

MAX_NAME_LENGTH = 64


class PrepaidUtilityConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create a building entry."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the building's name."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_BUILDING]).strip()
            if not any(char.isalnum() for char in name):
                errors[CONF_BUILDING] = "invalid_name"
            elif len(name) > MAX_NAME_LENGTH:
                errors[CONF_BUILDING] = "name_too_long"
            else:
                await self.async_set_unique_id(slugify(name))
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=name, data={CONF_BUILDING: name})
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema({vol.Required(CONF_BUILDING): str}),
            errors=errors,
        )
