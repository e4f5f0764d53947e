"""Where a gateway keeps its ledger: the SQLite file (default) or a PostgreSQL server.

A location is what a person types in the options: a ``postgresql://user:password@host/db``
URL. It is normalised to the psycopg 3 driver that we ship, and shown with the password masked
wherever it reaches a log, an error or the diagnostics.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class InvalidLocation(ValueError):
    """The text is not a PostgreSQL URL we can use."""


def parse_location(text: str) -> URL:
    """Return the URL of a PostgreSQL ledger; raise InvalidLocation for anything else."""
    try:
        url = make_url(text.strip())
    except (ArgumentError, ValueError) as err:
        raise InvalidLocation(str(err)) from err
    if url.drivername not in _POSTGRES_SCHEMES:
        raise InvalidLocation(f"not a PostgreSQL URL: {url.drivername}")
    if not url.host or not url.database:
        raise InvalidLocation("a host and a database name are needed")
    return url.set(drivername="postgresql+psycopg")


def engine_url(location: str) -> str:
    """Return the SQLAlchemy URL (with the password) of a location typed in the options."""
    return parse_location(location).render_as_string(hide_password=False)


def display_url(url: str) -> str:
    """Return what may be shown of a ledger URL: the file path, or the URL without password."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError, ValueError:
        return "<unparsable ledger URL>"


def split_password(location: str) -> tuple[str, str]:
    """Return (the location without its password, the password) of a location as stored.

    The options form shows the first and never the second: a form's defaults reach the browser.
    """
    text = location.strip()
    if not text:
        return "", ""
    try:
        url = make_url(text)
    except ArgumentError, ValueError:
        return text, ""
    password = url.password
    if password is None:
        return text, ""
    # URL.set() ignores None, so the URL is rebuilt without the password.
    bare = URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return bare.render_as_string(hide_password=False), str(password)


def join_password(location: str, password: str, kept: tuple[str, str]) -> str:
    """Return the location to store from the form's URL and password fields.

    An empty password field keeps the stored password when the URL (without it) is the one
    stored; a password typed into the URL itself wins over both.
    """
    text = location.strip()
    if not text:
        return ""
    try:
        url = make_url(text)
    except ArgumentError, ValueError:
        return text  # refused by parse_location with a clear error
    if url.password is not None:
        return text
    if not password and kept[1] and text == kept[0]:
        password = kept[1]
    if not password:
        return text
    return url.set(password=password).render_as_string(hide_password=False)
