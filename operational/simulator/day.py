"""The simulator: one account's days of calls, messages and agent status, deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

import phonenumbers

from operational.dialer.carrier import SimulatedCarrier
from operational.dialer.pool import ContactPool
from operational.dialer.rules import Rules
from operational.simulator.calls import CallScenes
from operational.simulator.messages import MessageScenes
from operational.simulator.timeline import GAP, Event, Shift, Timed, Track, ms
from operational.simulator.traffic import (
    ACCOUNT_AREA,
    CONTACTS_PER_CAMPAIGN,
    CUSTOMER_AREAS,
    HOURLY,
    DayPlan,
    SimulationProfile,
    day_plan,
)


def simulate(
    *,
    days: int,
    timezone: str,
    seed: int,
    end_date: date | None = None,
    account_slug: str = "demo",
    profile: SimulationProfile | None = None,
) -> Iterator[Event]:
    """Yield canonical events for `days` local days ending with end_date (default: yesterday in `timezone`).

    The same arguments always give the same events (ids included), in time order day by day.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    zone = ZoneInfo(timezone)
    last = end_date or datetime.now(zone).date() - timedelta(days=1)
    sim = _Simulator(random.Random(seed), profile or SimulationProfile(), zone, f"{account_slug}-{seed}")
    for offset in range(days - 1, -1, -1):
        yield from sim.day(last - timedelta(days=offset))


class _Simulator(CallScenes, MessageScenes):
    def __init__(self, rng: random.Random, profile: SimulationProfile, zone: ZoneInfo, prefix: str) -> None:
        self.rng, self.p, self.zone, self.prefix = rng, profile, zone, prefix
        self.calls = self.messages = 0
        self.shifts: list[Shift] = []  # the agents on shift on the day being simulated
        area = ACCOUNT_AREA.get(zone.key, "415")
        lines = self._numbers((area,), len(profile.queues) + len(profile.campaigns) + 1)
        self.lines = dict(zip(profile.queues, lines, strict=False))
        self.caller_ids = dict(zip(profile.campaigns, lines[len(profile.queues) :], strict=False))
        self.sms_line = lines[-1]
        self.customers = self._numbers(CUSTOMER_AREAS, 2500)
        skills = [(rng.uniform(0.85, 1.2), rng.uniform(0.6, 1.5)) for _ in profile.agents]
        self.skill = dict(zip(profile.agents, skills, strict=True))  # talk-time and sales multipliers
        self.carrier = SimulatedCarrier(rng)
        self.keywords: dict[
            str, list[tuple[datetime, bool]]
        ] = {}  # number -> (when, opted out?) in time order
        rules = Rules(max_attempts=3, retry_spacing=timedelta(hours=1))
        self.pools = {
            name: ContactPool(self._contact_maker(name), CONTACTS_PER_CAMPAIGN, rules)
            for name in profile.campaigns
        }

    def _contact_maker(self, campaign: str) -> Callable[[int], tuple[str, str]]:
        return lambda i: (
            f"{campaign}-{i:05d}",
            self.customers[(i * 7 + len(campaign)) % len(self.customers)],
        )

    def _numbers(self, areas: tuple[str, ...], count: int) -> list[str]:
        found: dict[str, None] = {}  # insertion-ordered, so the pool is the same for a seed
        while len(found) < count:
            number = f"+1{self.rng.choice(areas)}{self.rng.randint(200, 999)}{self.rng.randint(0, 9999):04d}"
            # NANP has unassigned exchanges; only numbers phonenumbers calls valid get in
            if phonenumbers.is_valid_number(phonenumbers.parse(number)):
                found[number] = None
        return list(found)

    def _local(self, day: date, hours: float) -> datetime:
        # Aware datetime + timedelta is wall-clock arithmetic; astimezone then applies that day's offset,
        # so business hours stay 08:00-18:00 local on DST days and on either side of them.
        return (datetime.combine(day, time(), tzinfo=self.zone) + ms(hours * 3600)).astimezone(UTC)

    def _arrivals(self, day: date, plan: DayPlan, base: int, hours: range | None = None) -> list[datetime]:
        count = round(base * plan.share * self.rng.uniform(0.85, 1.15))
        hours = hours or range(plan.open_hour, plan.close_hour)
        picks = self.rng.choices(hours, [HOURLY.get(h, 0.5) for h in hours], k=count)
        return sorted(self._local(day, h + self.rng.random()) for h in picks)

    def day(self, day: date) -> Iterator[Event]:
        p, plan = self.p, day_plan(day, self.p)
        out: Timed = []
        self.shifts = self._shifts(day, plan)
        calls = [(t, "") for t in self._arrivals(day, plan, p.inbound_per_weekday)]
        if plan.staff is None and p.campaigns:  # dialer campaigns run 09:00-17:00 on weekdays
            for t in self._arrivals(day, plan, p.outbound_per_weekday, range(9, 17)):
                calls.append((t, self.rng.choice(list(p.campaigns))))
        # messages first: the day's opt-outs are known, by time, before the dialer runs
        for at in self._arrivals(day, plan, p.messages_per_weekday):
            self.messages += 1
            msg = f"{self.prefix}-msg{self.messages}"
            self._message(Track(out, f"{self.prefix}-m{self.messages}", "message_id", msg), at)
        for start, campaign in sorted(calls):
            self.calls += 1
            call = Track(out, f"{self.prefix}-c{self.calls}", "call_id", f"{self.prefix}-call{self.calls}")
            if campaign:
                self._outbound(call, start, campaign)
            else:
                self._inbound(call, start)
        for shift in self.shifts:
            shift.close()
            status = Track(out, f"{self.prefix}-{shift.name}-{day.isoformat()}", "agent", shift.name)
            for at, state in shift.log:
                status.add(at, "agent.status", status=state)
        out.sort(key=itemgetter(0))  # stable: a call's own events keep their order
        return (event for _, event in out)

    def _shifts(self, day: date, plan: DayPlan) -> list[Shift]:
        rng, agents, shifts = self.rng, self.p.agents, []
        rota = day.toordinal() % max(1, len(agents))  # weekend staff rotate through the team
        on_rota = (agents * 2)[rota : rota + min(plan.staff or 0, len(agents))]
        for i, name in enumerate(agents if plan.staff is None else on_rota):
            if plan.staff is None:
                if rng.random() < 0.04:  # a day off now and then
                    continue
                early = i % 2 == 0  # two overlapping shifts: 08:00-16:30 and 09:30-18:00
                begin, end = (8.0, 16.5) if early else (9.5, 18.0)
                lunch: datetime | None = self._local(day, (12.0 if early else 13.0) + rng.uniform(0, 0.75))
            else:
                begin, end, lunch = plan.open_hour - 0.1, float(plan.close_hour), None
            start = self._local(day, begin + rng.uniform(-0.08, 0.15))
            length = timedelta(minutes=rng.uniform(30, 60))
            log = [(start, "available")]
            shifts.append(Shift(name, self._local(day, end), start + GAP, lunch, length, log))
        return shifts
