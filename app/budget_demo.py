"""The sample initiative budget of ``flask demo``: one whole round of a fictional district, from
proposals through vetting, voting and results to implementation, and a second round open for the
demo's visitors to vote in."""
from __future__ import annotations

from datetime import timedelta

from app.clock import utcnow
from app.models import BudgetRound, User
from app.services import (
    accounts,
    budget,
    budget_ballots,
    budget_mahallas,
    budget_tracking,
)

DISTRICT = "Bogʻbon district (sample)"
DISTRICT_STAFF_EMAIL = "district@demo.muhokama.test"

#: title, mahalla, category, cost (so'm), votes in the finished round
FINISHED = [
    ("New roof for school No. 14", "Navroʻz", "schools", 420_000_000, 9),
    ("Drinking-water pipe for Bahor street", "Bahor", "water", 310_000_000, 7),
    ("Street lights on Ipak yoʻli", "Ipak yoʻli", "lighting", 180_000_000, 7),
    ("Sports ground behind the clinic", "Navroʻz", "sports", 260_000_000, 4),
    ("Asphalt for Yangi hayot lane", "Yangi hayot", "roads", 80_000_000, 2),
]
OPEN = [("Playground in Bahor mahalla", "Bahor", "sports", 90_000_000),
        ("Heating for kindergarten No. 3", "Ipak yoʻli", "schools", 240_000_000),
        ("Repair of the Navroʻz canal bridge", "Navroʻz", "roads", 200_000_000)]


def load(citizens: list[User], password: str) -> BudgetRound:
    """Both rounds; returns the finished one."""
    now = utcnow()
    staff = accounts.create_user(email=DISTRICT_STAFF_EMAIL, password=password, display_name="Bogʻbon khokimiyat",
                                 role="staff", agency_name=DISTRICT, confirmed=True)
    residents = citizens + [accounts.create_user(email=f"resident{n}@demo.muhokama.test", password=password,
                                                 display_name=f"Resident {n}", confirmed=True) for n in range(1, 7)]
    voting_opens = now - timedelta(days=40)
    done = budget.create_round(staff, title="Initiative budget 2026, first season", district=DISTRICT,
                               envelope=1_000_000_000, max_cost=500_000_000, voting_opens=voting_opens,
                               voting_closes=voting_opens + timedelta(days=10))
    proposed_at = done.proposals_open_at + timedelta(days=1)
    projects = [budget.propose(residents[i % len(residents)], done, title=title, mahalla=mahalla, category=category,
                               cost=cost, description="A sample project.", now=proposed_at)
                for i, (title, mahalla, category, cost, _) in enumerate(FINISHED)]
    refused = budget.propose(residents[0], done, title="Private garage roof", mahalla="Bahor", cost=40_000_000,
                             now=proposed_at)
    vetting = done.vetting_opens_at + timedelta(days=1)
    for project in projects:
        budget.vet(staff, project, done, eligible=True, reason="Public land; cost checked by the district engineer.",
                   now=vetting)
    budget.vet(staff, refused, done, eligible=False, reason="A private building cannot be funded from the "
               "public budget.", now=vetting)
    for mahalla, people in ((projects[0].mahalla, 2_400), ("Bahor", 3_100)):
        budget_mahallas.set_residents(staff, done, mahalla, people)
    ballots = [p for p, row in zip(projects, FINISHED) for _ in range(row[4])]
    for n, project in enumerate(ballots):
        voter = residents[n % len(residents)] if n < len(residents) else accounts.create_user(
            email=f"voter{n}@demo.muhokama.test", password=password, display_name=f"Voter {n}", confirmed=True)
        budget_ballots.cast(voter, done, project, address=f"10.0.{n % 4}.{n}",
                            now=voting_opens + timedelta(hours=n))
    budget.close(staff, done)
    school, pipe = projects[0], projects[1]
    budget_tracking.record_implementation(staff, done, school, contractor="Qurilish Servis LLC",
                                          contract_amount=405_000_000, spent=250_000_000,
                                          stage="Old roof removed; new beams in place.")
    budget_tracking.record_implementation(staff, done, pipe, contractor="Suv Qurilish LLC",
                                          contract_amount=310_000_000, spent=0, stage="Contract signed.")
    budget_tracking.add_update(residents[1], school, "The workers leave the yard open at night.", problem=True)

    live = budget.create_round(staff, title="Initiative budget 2026, second season", district=DISTRICT,
                               envelope=400_000_000, voting_opens=now - timedelta(days=2),
                               voting_closes=now + timedelta(days=8))
    for title, mahalla, category, cost in OPEN:
        project = budget.add_paper_project(staff, live, title=title, mahalla=mahalla, category=category, cost=cost,
                                           now=live.vetting_opens_at)
        budget.vet(staff, project, live, eligible=True, reason="Checked on site.", now=live.vetting_opens_at)
    budget_ballots.cast(residents[2], live, project, address="10.0.9.1")
    return done
