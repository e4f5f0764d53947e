"""A meter's title names its room ("Room 101 electricity"); its device name does not.

The integration page lists meters by their subentry title, so forty meters called
"Electricity" cannot be told apart there: a title made up for a person (a simulated building,
a meter added with the name left empty) carries the room. The meter's device sits in the room's
area, and Home Assistant puts the area in front of the entity ids and shows it beside the
device, so the device name drops a leading room: the entities stay
``sensor.room_101_electricity_energy``, not ``sensor.room_101_room_101_electricity_energy``.
"""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from ..const import DOMAIN
from ..meters.reading import Medium

# Titles the simulated building gave its meters before they named the room (entry 1.2 and
# older); only these are renamed when an entry is migrated: a name a person chose is theirs.
OLD_SIMULATED_TITLES = frozenset({"Electricity", "Water"})


async def async_title_templates(hass: HomeAssistant) -> dict[Medium, str]:
    """Return "{room} electricity" and "{room} water" in Home Assistant's language."""
    language = hass.config.language
    strings = await async_get_translations(hass, language, "common", {DOMAIN})
    return {
        medium: strings.get(
            f"component.{DOMAIN}.common.meter_title_{medium.value}",
            f"{{room}} {medium.value}",
        )
        for medium in Medium
    }


def meter_title(templates: dict[Medium, str], medium: Medium, room: str) -> str:
    """Return the title of a meter of ``medium`` in ``room`` (the medium alone without one)."""
    if not room:
        word = templates[medium].replace("{room}", "").strip()
        return word[:1].upper() + word[1:]
    return templates[medium].replace("{room}", room)


def device_name(title: str, room: str) -> str:
    """Return the meter's device name: its title without a leading room (the area says it)."""
    if not room or not title.casefold().startswith(room.casefold()):
        return title
    after = title[len(room) :]
    if not after or (after[0].isalnum() and room[-1].isalnum()):
        # A title that is only the room stays whole; "Room 1015 water" is not in "Room 101".
        return title
    rest = after.lstrip(" -·:,")
    return rest[:1].upper() + rest[1:] if rest else title


def titles_to_migrate(
    subentries: Iterable[tuple[str, str, str, Medium]], templates: dict[Medium, str]
) -> dict[str, str]:
    """Return {subentry id: new title} for old simulated titles that can name their room.

    ``subentries`` are (subentry id, title, room, medium) of a simulated gateway's meters.
    """
    return {
        subentry_id: meter_title(templates, medium, room)
        for subentry_id, title, room, medium in subentries
        if title in OLD_SIMULATED_TITLES and room
    }
