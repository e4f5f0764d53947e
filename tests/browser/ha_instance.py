"""A real Home Assistant in a subprocess, for browser tests: its own config folder and port.

Onboards an owner through the onboarding API, adds a simulated building through the config
flow and tenant accounts through the subentry flow, as a person would in the UI. Talks to it
over REST and the websocket API with plain aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "prepaid_utility"
OWNER = ("owner", "owner-pass")

CONFIGURATION = """\
homeassistant:
  name: Prepaid cards test
  latitude: 31.2304
  longitude: 121.4737
  elevation: 10
  unit_system: metric
  currency: CNY
  country: CN
  time_zone: Asia/Shanghai
  language: en
frontend:
config:
webhook:
logger:
  default: warning
"""


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HaInstance:
    """One Home Assistant process and the calls the tests make to it."""

    def __init__(self, config_dir: Path) -> None:
        """Prepare a config folder (the integration linked in from the repository)."""
        self.config_dir = config_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.client_id = f"{self.base}/"
        self.token = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = config_dir / "ha.log"
        self.location = "Prepaid cards test"  # the instance's name (two instances: two names)

    def start(self) -> None:
        """Write the configuration and start Home Assistant on its own port."""
        storage = self.config_dir / ".storage"
        storage.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION.replace("Prepaid cards test", self.location), encoding="utf-8"
        )
        # Every onboarding step but the owner is marked done: those need the internet.
        (storage / "onboarding").write_text(
            '{"version": 4, "minor_version": 1, "key": "onboarding",'
            ' "data": {"done": ["core_config", "analytics", "integration"]}}',
            encoding="utf-8",
        )
        link = self.config_dir / "custom_components"
        if not link.exists():
            link.symlink_to(REPO / "custom_components", target_is_directory=True)
        env = {**os.environ, "SETUP_PORT": str(self.port)}
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "homeassistant",
                    "--config",
                    str(self.config_dir),
                    "--skip-pip",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def stop(self) -> None:
        """Stop Home Assistant (SIGTERM, then SIGKILL after 30 s)."""
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)
        self._proc = None

    def log_tail(self, lines: int = 60) -> str:
        """Return the end of Home Assistant's log (for a failing test's message)."""
        with contextlib.suppress(OSError):
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def problems(self) -> str:
        """Return, in one line, what Home Assistant's log says broke the frontend, or ''.

        A core component whose Python requirement is missing fails to import; the frontend's
        `get_services` then fails and the app never replaces its launch screen.
        """
        with contextlib.suppress(OSError):
            log = self._log.read_text(errors="replace")
            missing = sorted(
                set(
                    re.findall(
                        r"Setup failed for '(\w+)': Unable to import"
                        r" component: No module named '([\w.]+)'",
                        log,
                    )
                )
            )
            failed = sorted(set(re.findall(r"Error handling message: (.+?) \(", log)))
            parts = []
            if missing:
                names = ", ".join(f"{module} ({component})" for component, module in missing)
                parts.append(
                    f"core components cannot import {names}: their requirements are missing"
                    " from the venv (add them to requirements_test.txt at the versions their"
                    " manifests pin, then scripts/setup)"
                )
            if failed:
                parts.append(f"websocket commands failed: {'; '.join(failed)}")
            return "; ".join(parts)
        return ""

    # -- REST and websocket --------------------------------------------------------------

    async def wait_until_up(self, limit_s: float = 180) -> None:
        """Wait until the onboarding API answers."""
        deadline = time.monotonic() + limit_s
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.poll() is not None:
                    raise RuntimeError(f"Home Assistant exited:\n{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{self.base}/api/onboarding") as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.5)
        raise TimeoutError(f"Home Assistant did not answer:\n{self.log_tail()}")

    async def onboard_owner(self) -> None:
        """Create the owner (an administrator) and keep an access token."""
        user = {
            "client_id": self.client_id,
            "name": "Owner",
            "username": OWNER[0],
            "password": OWNER[1],
            "language": "en",
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.base}/api/onboarding/users", json=user) as resp:
                resp.raise_for_status()
                code = (await resp.json())["auth_code"]
            self.token = await self._token(session, code)

    async def _token(self, session: aiohttp.ClientSession, code: str) -> str:
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with session.post(f"{self.base}/auth/token", data=data) as resp:
            resp.raise_for_status()
            return str((await resp.json())["access_token"])

    async def login(self, username: str, password: str) -> str:
        """Log in through the login flow; return an access token."""
        async with aiohttp.ClientSession() as session:
            flow = {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            }
            async with session.post(f"{self.base}/auth/login_flow", json=flow) as resp:
                flow_id = (await resp.json())["flow_id"]
            creds = {"client_id": self.client_id, "username": username, "password": password}
            async with session.post(f"{self.base}/auth/login_flow/{flow_id}", json=creds) as resp:
                result = await resp.json()
            return await self._token(session, result["result"])

    async def rest(self, method: str, path: str, body: Any = None, token: str = "") -> Any:
        """Call the REST API; raise on an error status."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, f"{self.base}{path}", json=body, headers=headers) as resp,
        ):
            if resp.status >= 400:
                raise RuntimeError(f"{method} {path}: {resp.status} {await resp.text()}")
            return await resp.json()

    async def ws(self, *messages: dict[str, Any], token: str = "") -> list[dict[str, Any]]:
        """Send websocket commands in order; return their raw replies (success or error)."""
        replies = []
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.base}/api/websocket") as sock,
        ):
            await sock.receive_json()
            await sock.send_json({"type": "auth", "access_token": token or self.token})
            auth = await sock.receive_json()
            if auth.get("type") != "auth_ok":
                raise RuntimeError(f"websocket auth failed: {auth}")
            for number, message in enumerate(messages, start=1):
                await sock.send_json({"id": number, **message})
                while True:
                    reply = await sock.receive_json()
                    if reply.get("id") == number and reply.get("type") == "result":
                        replies.append(reply)
                        break
        return replies

    async def ws_result(self, message: dict[str, Any], token: str = "") -> Any:
        """Send one command; return its result or raise with the error."""
        (reply,) = await self.ws(message, token=token)
        if not reply["success"]:
            raise RuntimeError(f"{message['type']}: {reply['error']}")
        return reply["result"]

    # -- the building --------------------------------------------------------------------

    async def entry(self) -> dict[str, Any]:
        """Return the integration's one config entry as the REST API lists it."""
        entries = await self.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        return dict(entries[0])

    async def wait_loaded(self, limit_s: float = 60) -> None:
        """Wait until the gateway entry is loaded (after a reload for a new account)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            entries = await self.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
            if entries and entries[0]["state"] == "loaded":
                return
            await asyncio.sleep(0.3)
        raise TimeoutError(f"gateway not loaded:\n{self.log_tail()}")

    async def add_simulated_building(self, preset: str = "building40") -> str:
        """Add the simulated building through the config flow; return its entry id."""
        api = "/api/config/config_entries/flow"
        flow = await self.rest("POST", api, {"handler": DOMAIN})
        await self.rest("POST", f"{api}/{flow['flow_id']}", {"next_step_id": "simulated"})
        result = await self.rest(
            "POST", f"{api}/{flow['flow_id']}", {"name": "Sunrise Flats", "preset": preset}
        )
        assert result["type"] == "create_entry", result
        await self.wait_loaded()
        return str(result["result"]["entry_id"])

    async def meters_by_unit(self, entry_id: str) -> dict[str, str]:
        """Return the simulated meters' unit (Modbus address) -> subentry id."""
        subs = await self.ws_result(
            {"type": "config_entries/subentries/list", "entry_id": entry_id}
        )
        return {s["unique_id"]: s["subentry_id"] for s in subs if s["subentry_type"] == "meter"}

    async def open_account(self, entry_id: str, form: dict[str, Any]) -> None:
        """Open a tenant account through the subentry flow; wait for the gateway to reload."""
        api = "/api/config/config_entries/subentries/flow"
        flow = await self.rest("POST", api, {"handler": [entry_id, "account"]})
        result = await self.rest("POST", f"{api}/{flow['flow_id']}", form)
        assert result["type"] == "create_entry", result
        await asyncio.sleep(0.5)
        await self.wait_loaded()

    async def create_user(self, name: str, username: str, password: str) -> str:
        """Create a non-administrator user who can log in; return the user id."""
        created = await self.ws_result(
            {"type": "config/auth/create", "name": name, "group_ids": ["system-users"]}
        )
        user_id = str(created["user"]["id"])
        await self.ws_result(
            {
                "type": "config/auth_provider/homeassistant/create",
                "user_id": user_id,
                "username": username,
                "password": password,
            }
        )
        return user_id
