"""The generated organisation's directory: teams, people, services, priorities, bots."""

from __future__ import annotations

import random
from dataclasses import dataclass

from opsaudit.sandbox.org_common import PD_API, Ids, Person, Svc
from opsaudit.sandbox.state import JSON

TEAMS = ("Platform", "Payments", "Storefront")
# (service name, brand, team index); a run keeps 8 to 12 of them
SERVICES = (
    ("Checkout API", "shop", 1),
    ("Payments Gateway", "pay", 1),
    ("Identity Service", "all", 0),
    ("Search", "shop", 2),
    ("Catalog Sync", "shop", 2),
    ("Notifications", "all", 0),
    ("Storefront Web", "shop", 2),
    ("Order Pipeline", "shop", 1),
    ("Data Warehouse", "all", 0),
    ("Billing Jobs", "pay", 1),
    ("Admin Console", "all", 0),
    ("Edge Cache", "all", 2),
)
UNOWNED_SERVICE = "Data Warehouse"  # no owner in the config: escalation.leadership -> unknown
FIRST = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Maya",
    "Nikhil",
    "Olga",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Yara",
    "Zoe",
)
LAST = (
    "Adler",
    "Brooks",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Park",
    "Rossi",
    "Silva",
    "Tanaka",
    "Varga",
    "Weber",
    "Young",
)
PRIORITIES = (
    ("P1", "Critical: production down or data breach"),
    ("P2", "Significant degradation or data corruption"),
    ("P3", "Limited user impact"),
    ("P4", "Minor issue"),
    ("P5", "Cosmetic"),
    ("Critical-ish", "Legacy priority kept from an old setup; maps to no severity"),
)
ODD_PRIORITY = "Critical-ish"


@dataclass
class Directory:
    """Everyone and everything the incidents refer to."""

    team_ids: list[str]
    policy_ids: list[str]  # one escalation policy per team
    oncall: list[Person]
    managers: list[Person]
    cto: Person
    services: list[Svc]
    priorities: list[JSON]  # PagerDuty priority objects, most severe first
    bots: list[tuple[str, str, str]]  # (Slack user id, bot id, display name)

    def priority(self, name: str) -> JSON:
        """The priority object of this name."""
        return next(p for p in self.priorities if p["name"] == name)

    def team_oncall(self, team: int) -> list[Person]:
        """The on-call engineers of a team."""
        return [p for p in self.oncall if p.team == team]


def make_directory(rng: random.Random, ids: Ids) -> Directory:
    """Teams, ~20 on-call engineers, service owners, a CTO, services and priorities."""
    names = [(f, last) for f in FIRST for last in LAST]
    rng.shuffle(names)
    pool = iter(names)

    def person(title: str, team: int) -> Person:
        first, last = next(pool)
        handle = f"{first[0]}{last}".lower()
        return Person(
            pd_id=ids.pd(),
            slack_id=ids.make("U", 10),
            name=f"{first} {last}",
            handle=handle,
            email=f"{first}.{last}@acme.example".lower(),
            title=title,
            team=team,
        )

    oncall = [person("Software Engineer", i % len(TEAMS)) for i in range(20)]
    managers = [person("Engineering Manager", i) for i in range(len(TEAMS))]
    managers.append(person("Staff Engineer", 0))
    cto = person("CTO", 0)
    team_ids = [ids.pd() for _ in TEAMS]
    policy_ids = [ids.pd() for _ in TEAMS]
    chosen = rng.sample(range(len(SERVICES)), rng.randint(8, 12))
    if not any(SERVICES[i][0] == UNOWNED_SERVICE for i in chosen):
        chosen[0] = next(i for i, s in enumerate(SERVICES) if s[0] == UNOWNED_SERVICE)
    services = []
    for i in sorted(chosen):
        name, brand, team = SERVICES[i]
        owner = None if name == UNOWNED_SERVICE else rng.choice(managers)
        services.append(Svc(ids.pd(), name, brand, team, owner, policy_ids[team]))
    priorities = []
    for order, (name, description) in enumerate(PRIORITIES):
        pid = ids.pd()
        priorities.append(
            {
                "id": pid,
                "type": "priority",
                "summary": name,
                "self": f"{PD_API}/priorities/{pid}",
                "html_url": None,
                "name": name,
                "description": description,
                "order": (len(PRIORITIES) - order) * 1024,
                "color": "a8171c",
                "schema_version": 0,
            }
        )
    bots = [
        (ids.make("U", 10), ids.make("B", 10), name)
        for name in ("PagerDuty", "Grafana", "Deploy Bot")
    ]
    return Directory(team_ids, policy_ids, oncall, managers, cto, services, priorities, bots)
