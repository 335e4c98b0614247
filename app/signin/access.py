"""Who is looking: the signed-in viewer, what each role may see, and the refusal when it may not."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN, MANAGER, ANALYST, AGENT = "admin", "manager", "analyst", "agent"
ROLES = (ADMIN, MANAGER, ANALYST, AGENT)

# DESIGN.md's security model: admin everything in its account; manager reports; analyst reports and the SQL
# explorer; agent their own figures and the wallboard.
REPORT_ROLES = (ADMIN, MANAGER, ANALYST)
EVERYONE = ROLES
SQL_ROLES = (ADMIN, ANALYST)
SUBSCRIPTION_ROLES = (ADMIN, MANAGER)  # who subscribes people to report e-mails


class NotPermitted(PermissionError):
    """The viewer's role may not read this: raised by the query layer, whatever page asked."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as the query layer sees them: one account, one role, and for agents one agent."""

    user_id: int
    username: str
    role: str
    account_id: int
    # The warehouse agent whose figures an agent-role user sees (None for every other role).
    agent: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if self.role == AGENT and not self.agent:
            raise ValueError("an agent-role viewer needs the agent whose figures they see")

    @property
    def is_agent(self) -> bool:
        return self.role == AGENT


def require_role(viewer: Viewer, roles: tuple[str, ...], what: str) -> None:
    """Refuse unless the viewer's role is one of ``roles``."""
    if viewer.role not in roles:
        raise NotPermitted(f"{what} is not available to the {viewer.role} role")


def agent_candidates(username: str) -> tuple[str, ...]:
    """The warehouse agent names an agent-role user may be: the username, or its part before the last '@'.

    Usernames are unique across accounts, agent names only within one, so an agent user is usually named
    ``alice@acme`` for the agent ``alice`` of account ``acme``.
    """
    local = username.rsplit("@", 1)[0]
    return (username,) if local == username else (username, local)
