"""Deterministic demo traffic: realistic canonical events (calls, messages, agent status) for one account."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from operational.consent import keyword_action
from operational.dialer.carrier import DialRequest, SimulatedCarrier
from operational.dialer.pool import ContactPool
from operational.dialer.rules import Rules

Event = dict[str, Any]
Timed = list[tuple[datetime, Event]]

# Relative call intensity per local hour: a mid-morning and an early-afternoon peak around a lunch dip.
_HOURLY = {8: 0.5, 9: 0.9, 10: 1.4, 11: 1.3, 12: 0.8, 13: 1.0, 14: 1.35, 15: 1.1, 16: 0.8, 17: 0.5}
_ACCOUNT_AREA = {"America/New_York": "212", "America/Chicago": "312", "America/Denver": "303"}
_CUSTOMER_AREAS = ("201", "206", "213", "305", "312", "404", "415", "503", "512", "617", "646", "702", "713")
_INBOUND_DISPOSITIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "sales": (("sale", 0.28), ("no_sale", 0.32), ("callback", 0.2), ("not_interested", 0.2)),
    "support": (("support_resolved", 0.75), ("callback", 0.2), ("sale", 0.05)),
    "billing": (("support_resolved", 0.65), ("callback", 0.25), ("sale", 0.1)),
}
_OTHER_DISPOSITIONS = (("support_resolved", 0.5), ("callback", 0.25), ("sale", 0.15), ("no_sale", 0.1))
_NO_SALE = (("no_sale", 0.35), ("callback", 0.25), ("not_interested", 0.4))
_NAMES = ("Sam", "Priya", "Jordan", "Lucía", "François", "Mei", "Omar", "Grace", "Zoë")
_OUT_BODIES = (
    "Hi {name}, your appointment is confirmed for tomorrow 10:30. Reply C to confirm or R to reschedule.",
    "Your VoxLink verification code is {code}.",
    "Thanks for calling, {name}! Ticket #{code} is now resolved.",
    "Winter promo: 20% off every plan until Friday. Reply STOP to opt out.",
    "Hi {name}, a reminder that your subscription renews tomorrow. The card ending {last4} will be "
    "charged $49.00. To change your plan or payment details reply HELP or call us, Monday to Friday 8am-6pm. "
    "Reply STOP to opt out.",
    "Merci {name} ! Votre reçu est disponible dans votre espace client. 😊",
    "Hola {name}, tu pedido #{code} está en camino 🚚",
    "Ok, see you then.",
)
_IN_BODIES = (
    *("Yes", "C", "Ok thanks!", "Can you call me back after 3pm?", "What time do you close today?"),
    *("Is the winter promo still on? 🙂", "Where is my order #{code}?", "Merci beaucoup, ça marche 👍", "👍"),
    "Hi, I was charged twice this month for the same invoice and nobody has called me back yet. I have been "
    "a customer for six years and would really like this fixed before the weekend. Thanks, {name}",
)
_CAPTIONS = ("", "Photo of the damaged item", "Here's the receipt 📎", "See attached")
_OPT_OUTS = ("STOP", " stop ", "Unsubscribe", "Stop", "STOP\n", "cancel")
_OPT_INS = ("START", "start", "UNSTOP")
_UNDELIVERED_CODES = ("30003", "30005", "30007")
_FAILED_CODES = ("30008", "21610")  # 21610: the recipient had opted out
_CONTACTS_PER_CAMPAIGN = 20_000
_GAP = timedelta(seconds=2)  # an agent is offered the next call a moment after becoming free: no tied events


@dataclass(frozen=True)
class SimulationProfile:
    """What one demo account looks like; volumes are per weekday, weekends are derived from them."""

    agents: tuple[str, ...] = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
    queues: dict[str, float] = field(default_factory=lambda: {"sales": 0.35, "support": 0.45, "billing": 0.2})
    ai_queue: str | None = "support"
    ai_agent: str = "ava"
    ai_share: float = 0.22  # of the AI queue's calls: about 10 % of all inbound calls
    abandon_share: float = 0.07  # callers who give up whatever the queue looks like
    # campaign -> (sale share of connected calls, dialer drop share of human answers)
    campaigns: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"winter-promo": (0.12, 0.04), "renewals": (0.3, 0.015)}
    )
    inbound_per_weekday: int = 240
    outbound_per_weekday: int = 150
    messages_per_weekday: int = 140
    saturday_share: float = 0.25
    sunday_share: float = 0.03


@dataclass(frozen=True)
class _DayPlan:
    open_hour: int
    close_hour: int
    share: float  # of the weekday volume
    staff: int | None  # agents on a weekend shift; None: a weekday, the whole team works and the dialer runs


def _plan(day: date, profile: SimulationProfile) -> _DayPlan:
    if day.weekday() < 5:
        return _DayPlan(8, 18, 1.0, None)
    if day.weekday() == 5:
        return _DayPlan(9, 14, profile.saturday_share, 3)
    return _DayPlan(10, 14, profile.sunday_share, 1)


@dataclass
class _Shift:
    """One agent's working day: when free for the next call, a pending lunch, and its status log."""

    name: str
    end: datetime
    free: datetime
    lunch: datetime | None
    lunch_len: timedelta
    log: list[tuple[datetime, str]]

    def available_at(self, at: datetime) -> datetime | None:
        moment = max(at, self.free)
        if self.lunch is not None and moment >= self.lunch:
            # lunch comes first, and starts late when a call ran into it
            moment = max(moment, max(self.lunch, self.free) + self.lunch_len + _GAP)
        return moment if moment < self.end else None

    def book(self, busy_from: datetime, busy_to: datetime, wrap_to: datetime | None) -> None:
        if self.lunch is not None and busy_from >= self.lunch:
            self._take_lunch()
        self.log.append((busy_from, "busy"))
        if wrap_to is None:
            self.log.append((busy_to, "available"))
        else:
            self.log += [(busy_to, "after_call_work"), (wrap_to, "available")]
        self.free = (wrap_to or busy_to) + _GAP

    def close(self) -> None:
        if self.lunch is not None and max(self.lunch, self.free) < self.end:
            self._take_lunch()
        self.log.append((max(self.end, self.free), "offline"))

    def _take_lunch(self) -> None:
        assert self.lunch is not None
        start = max(self.lunch, self.free)
        self.log += [(start, "break"), (start + self.lunch_len, "available")]
        self.free, self.lunch = start + self.lunch_len + _GAP, None


class _Track:
    """The events of one call, message or agent day: ids numbered in emission order, its key on each."""

    __slots__ = ("out", "prefix", "key", "value", "k")

    def __init__(self, out: Timed, prefix: str, key: str, value: str) -> None:
        self.out, self.prefix, self.key, self.value, self.k = out, prefix, key, value, 0

    def add(self, at: datetime, kind: str, **fields: Any) -> None:
        occurred = at.isoformat(timespec="microseconds")
        event = {"event_id": f"{self.prefix}-{self.k}", "type": kind, "occurred_at": occurred}
        self.out.append((at, {**event, self.key: self.value, **fields}))
        self.k += 1


def _s(seconds: float) -> timedelta:
    return timedelta(milliseconds=round(seconds * 1000))


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


class _Simulator:
    def __init__(self, rng: random.Random, profile: SimulationProfile, zone: ZoneInfo, prefix: str) -> None:
        self.rng, self.p, self.zone, self.prefix = rng, profile, zone, prefix
        self.calls = self.messages = 0
        self.shifts: list[_Shift] = []  # the agents on shift on the day being simulated
        area = _ACCOUNT_AREA.get(zone.key, "415")
        lines = self._numbers((area,), len(profile.queues) + len(profile.campaigns) + 1)
        self.lines = dict(zip(profile.queues, lines, strict=False))
        self.caller_ids = dict(zip(profile.campaigns, lines[len(profile.queues) :], strict=False))
        self.sms_line = lines[-1]
        self.customers = self._numbers(_CUSTOMER_AREAS, 2500)
        skills = [(rng.uniform(0.85, 1.2), rng.uniform(0.6, 1.5)) for _ in profile.agents]
        self.skill = dict(zip(profile.agents, skills, strict=True))  # talk-time and sales multipliers
        self.carrier = SimulatedCarrier(rng)
        self.keywords: dict[
            str, list[tuple[datetime, bool]]
        ] = {}  # number -> (when, opted out?) in time order
        rules = Rules(max_attempts=3, retry_spacing=timedelta(hours=1))
        self.pools = {
            name: ContactPool(self._contact_maker(name), _CONTACTS_PER_CAMPAIGN, rules)
            for name in profile.campaigns
        }

    def _opted_out(self, phone: str, at: datetime) -> bool:
        said = [opted for moment, opted in self.keywords.get(phone, ()) if moment <= at]
        return bool(said) and said[-1]

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

    def _ln(self, median: float, sigma: float, low: float, high: float) -> float:
        return min(high, max(low, median * self.rng.lognormvariate(0.0, sigma)))

    def _local(self, day: date, hours: float) -> datetime:
        # Aware datetime + timedelta is wall-clock arithmetic; astimezone then applies that day's offset,
        # so business hours stay 08:00-18:00 local on DST days and on either side of them.
        return (datetime.combine(day, time(), tzinfo=self.zone) + _s(hours * 3600)).astimezone(UTC)

    def _arrivals(self, day: date, plan: _DayPlan, base: int, hours: range | None = None) -> list[datetime]:
        count = round(base * plan.share * self.rng.uniform(0.85, 1.15))
        hours = hours or range(plan.open_hour, plan.close_hour)
        picks = self.rng.choices(hours, [_HOURLY.get(h, 0.5) for h in hours], k=count)
        return sorted(self._local(day, h + self.rng.random()) for h in picks)

    def day(self, day: date) -> Iterator[Event]:
        p, plan = self.p, _plan(day, self.p)
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
            self._message(_Track(out, f"{self.prefix}-m{self.messages}", "message_id", msg), at)
        for start, campaign in sorted(calls):
            self.calls += 1
            call = _Track(out, f"{self.prefix}-c{self.calls}", "call_id", f"{self.prefix}-call{self.calls}")
            if campaign:
                self._outbound(call, start, campaign)
            else:
                self._inbound(call, start)
        for shift in self.shifts:
            shift.close()
            status = _Track(out, f"{self.prefix}-{shift.name}-{day.isoformat()}", "agent", shift.name)
            for at, state in shift.log:
                status.add(at, "agent.status", status=state)
        out.sort(key=itemgetter(0))  # stable: a call's own events keep their order
        return (event for _, event in out)

    def _shifts(self, day: date, plan: _DayPlan) -> list[_Shift]:
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
            shifts.append(_Shift(name, self._local(day, end), start + _GAP, lunch, length, log))
        return shifts

    def _pick(self, at: datetime, exclude: _Shift | None = None) -> tuple[datetime, _Shift] | None:
        """The agent free soonest from `at`; among idle agents, the one idle longest (as an ACD routes)."""
        best: tuple[datetime, datetime, _Shift] | None = None
        for shift in self.shifts:
            moment = None if shift is exclude else shift.available_at(at)
            if moment is not None and (best is None or (moment, shift.free) < best[:2]):
                best = (moment, shift.free, shift)
        return None if best is None else (best[0], best[2])

    def _inbound(self, call: _Track, start: datetime) -> None:
        rng, p = self.rng, self.p
        queue = rng.choices(list(p.queues), list(p.queues.values()))[0]
        ai = queue == p.ai_queue and rng.random() < p.ai_share
        started = {"direction": "inbound", "from": rng.choice(self.customers), "to": self.lines[queue]}
        # ai_agent names the AI voice agent this call was routed to; only those calls carry it
        call.add(start, "call.started", **started, queue=queue, **({"ai_agent": p.ai_agent} if ai else {}))
        queued = start + _s(rng.uniform(0.5, 6))  # the IVR menu comes before the queue
        call.add(queued, "call.queued", queue=queue)
        if ai:
            answered = queued + _s(rng.uniform(0.4, 2.5))
            call.add(answered, "call.answered", answered_by="ai")
            call.add(answered + _s(self._ln(110, 0.6, 30, 600)), "call.ended", reason="completed")
            return
        if rng.random() < p.abandon_share:  # hangs up however soon an agent is free: many within seconds
            call.add(queued + _s(self._ln(12, 1.5, 0.5, 900)), "call.ended", reason="caller_hangup")
            return
        patience = self._ln(150, 0.7, 20, 1200)  # the others wait for an agent, up to a point
        chosen = self._pick(queued + _s(self._ln(5, 0.7, 1, 60)))
        if chosen is None or chosen[0] > queued + _s(patience):
            call.add(queued + _s(patience), "call.ended", reason="caller_hangup")
            return
        ring, shift = chosen
        answer = ring + _s(self._ln(4, 0.4, 1.5, 15))
        call.add(ring, "call.ringing", agent=shift.name)
        call.add(answer, "call.answered", answered_by="human", agent=shift.name)
        talk = self._ln(200 * self.skill[shift.name][0], 0.5, 60, 600)
        codes = _INBOUND_DISPOSITIONS.get(queue, _OTHER_DISPOSITIONS)
        self._conversation(call, shift, ring, answer, talk, lambda handler: self._choose(codes))

    def _outbound(self, call: _Track, start: datetime, campaign: str) -> None:
        """A power-dialer line: the dialer engine's rules pick the contact (DNC incl. SMS opt-outs, calling
        window in the contact's zone, attempts, retry spacing) and the simulated carrier dials it."""
        rng = self.rng
        sale_share, drop_share = self.p.campaigns[campaign]
        paced = self._pick(start)  # a power dialer dials a line only when an agent is free for it
        if paced is None:
            return
        start = max(start, paced[0])
        contact = self.pools[campaign].next_dial(start, lambda phone: self._opted_out(phone, start))
        if contact is None:  # nobody may be called now (their windows are shut, or the list is used up)
            return
        request = DialRequest(
            call.value, self.caller_ids[campaign], contact.phone, campaign, contact.external_id, start
        )
        outcome = self.carrier.place_call(request)
        self.pools[campaign].attempted(contact, outcome.answered_by is not None, start)
        started = {"from": request.from_number, "to": request.to_number}
        started |= {"campaign": campaign, "contact_id": request.contact_id}
        call.add(start, "call.started", direction="outbound", **started)
        if outcome.answered_by is None:
            call.add(start + _s(outcome.after_seconds), "call.ended", reason=outcome.end_reason)
            return
        answer = start + _s(outcome.after_seconds)
        if outcome.answered_by == "machine":  # answering machine detection: leave a voicemail or hang up
            call.add(answer, "call.answered", answered_by="machine")
            call.add(answer + _s(outcome.machine_seconds), "call.ended", reason=outcome.end_reason)
            return
        call.add(answer, "call.answered", answered_by="human")
        late = rng.random() < drop_share  # the dialer over-dialled: nobody free within 2 s of the answer
        chosen = self._pick(answer + _s(rng.uniform(2.05, 8) if late else rng.uniform(0.2, 1.5)))
        if chosen is None or chosen[0] > answer + _s(12) or (late and rng.random() < 0.5):
            hung_up = answer + _s(rng.uniform(1.5, 6))  # the callee heard silence and hung up
            call.add(hung_up, "call.ended", reason="caller_hangup")
            return
        connected, shift = chosen
        call.add(connected, "call.connected", agent=shift.name)
        talk = self._ln(150 * self.skill[shift.name][0], 0.6, 30, 600)

        def disposition(handler: _Shift) -> str:
            won = rng.random() < min(0.8, sale_share * self.skill[handler.name][1])
            return "sale" if won else self._choose(_NO_SALE)

        self._conversation(call, shift, connected, connected, talk, disposition)

    def _conversation(self, call: _Track, shift: _Shift, busy_from: datetime, talk_from: datetime,
                      talk: float, disposition: Callable[[_Shift], str]) -> None:  # fmt: skip
        """Talk (maybe a hold or a transfer), end, wrap-up and disposition; books the agents' time."""
        rng, end = self.rng, talk_from + _s(talk)
        branch = rng.random()
        if branch < 0.05:  # a cold transfer to an idle colleague, who then owns the call
            moved = talk_from + _s(talk * rng.uniform(0.1, 0.35))
            chosen = self._pick(moved, exclude=shift)
            if chosen is not None and chosen[0] == moved:
                other = chosen[1]
                call.add(moved, "call.transferred", to_agent=other.name)
                call.add(moved + _s(1), "call.ringing", agent=other.name)
                taken = moved + _s(rng.uniform(2, 6))
                call.add(taken, "call.answered", answered_by="human", agent=other.name)
                shift.book(busy_from, moved, None)
                shift, busy_from = other, moved
        elif branch < 0.2:
            hold = talk_from + _s(talk * rng.uniform(0.2, 0.6))
            length = _s(self._ln(40, 0.6, 8, 300))
            call.add(hold, "call.hold")
            call.add(hold + length, "call.unhold")
            end += length
        call.add(end, "call.ended", reason="completed")
        wrap = rng.uniform(10, 90)
        if rng.random() < 0.9:
            code, at = disposition(shift), end + _s(wrap * rng.uniform(0.3, 0.9))
            call.add(at, "call.disposition", disposition=code, agent=shift.name)
        call.add(end + _s(wrap), "call.wrapup_ended", agent=shift.name)
        shift.book(busy_from, end, end + _s(wrap))

    def _choose(self, weighted: tuple[tuple[str, float], ...]) -> str:
        return self.rng.choices([code for code, _ in weighted], [w for _, w in weighted])[0]

    def _message(self, msg: _Track, at: datetime) -> None:
        rng = self.rng
        inbound, kind, customer = rng.random() < 0.45, rng.random(), rng.choice(self.customers)
        media = rng.randint(1, 3) if kind > 0.9 else 0
        if media:
            body = rng.choice(_CAPTIONS)
        elif inbound and kind < 0.035:  # carrier keywords: opt-outs, and now and then a re-subscribe
            body = rng.choice(_OPT_OUTS if kind < 0.03 else _OPT_INS)
        else:
            body = rng.choice(_IN_BODIES if inbound else _OUT_BODIES).format(
                name=rng.choice(_NAMES),
                code=rng.randrange(100_000, 1_000_000),
                last4=rng.randrange(1000, 10_000),
            )
        keyword = keyword_action(body) if inbound else None
        if keyword is not None:  # an opt-out reaches the dialer's DNC; START takes the number off again
            self.keywords.setdefault(customer, []).append((at, keyword))
        ends = (customer, self.sms_line) if inbound else (self.sms_line, customer)
        fields: Event = {
            "direction": "inbound" if inbound else "outbound",
            "channel": "mms" if media else "sms",
        }
        fields |= {"from": ends[0], "to": ends[1], "body": body, "media_count": media}
        tag = rng.random()
        if not inbound and tag < 0.3 and self.p.campaigns:
            fields["campaign"] = rng.choice(list(self.p.campaigns))
        elif not inbound and tag < 0.65:  # a conversation an agent is having
            fields["agent"] = rng.choice(self.p.agents)
        msg.add(at, "message.created", **fields)
        if inbound:
            msg.add(at + _s(rng.uniform(0.05, 0.4)), "message.status", status="received")
            return
        fate, at = rng.random(), at + _s(rng.uniform(0.02, 0.2))
        msg.add(at, "message.status", status="queued")
        if fate < 0.03:  # refused by the provider: never sent
            failed = {"status": "failed", "error_code": rng.choice(_FAILED_CODES)}
            msg.add(at + _s(rng.uniform(0.5, 3)), "message.status", **failed)
            return
        at += _s(rng.uniform(0.3, 2.5))
        msg.add(at, "message.status", status="sent")
        final = {"status": "undelivered", "error_code": rng.choice(_UNDELIVERED_CODES)} if fate < 0.08 else {}
        msg.add(at + _s(rng.uniform(1, 30)), "message.status", **(final or {"status": "delivered"}))
