"""Simulated calls: inbound through the IVR and queues (AI agent, abandons, ACD routing) and outbound
through the dialer engine and the simulated carrier; each books the agents' time."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from operational.dialer.carrier import DialRequest, SimulatedCarrier
from operational.dialer.pool import ContactPool
from operational.simulator.timeline import Shift, Track, ms
from operational.simulator.traffic import INBOUND_DISPOSITIONS, NO_SALE, OTHER_DISPOSITIONS, SimulationProfile


class CallScenes:
    """The calls of a day; mixed into the simulator, whose random stream, agents and dialer it shares."""

    rng: random.Random
    p: SimulationProfile
    shifts: list[Shift]
    customers: list[str]
    lines: dict[str, str]
    caller_ids: dict[str, str]
    skill: dict[str, tuple[float, float]]
    carrier: SimulatedCarrier
    pools: dict[str, ContactPool]
    keywords: dict[str, list[tuple[datetime, bool]]]  # number -> (when, opted out?), from the messages

    def _ln(self, median: float, sigma: float, low: float, high: float) -> float:
        return min(high, max(low, median * self.rng.lognormvariate(0.0, sigma)))

    def _opted_out(self, phone: str, at: datetime) -> bool:
        said = [opted for moment, opted in self.keywords.get(phone, ()) if moment <= at]
        return bool(said) and said[-1]

    def _pick(self, at: datetime, exclude: Shift | None = None) -> tuple[datetime, Shift] | None:
        """The agent free soonest from `at`; among idle agents, the one idle longest (as an ACD routes)."""
        best: tuple[datetime, datetime, Shift] | None = None
        for shift in self.shifts:
            moment = None if shift is exclude else shift.available_at(at)
            if moment is not None and (best is None or (moment, shift.free) < best[:2]):
                best = (moment, shift.free, shift)
        return None if best is None else (best[0], best[2])

    def _inbound(self, call: Track, start: datetime) -> None:
        rng, p = self.rng, self.p
        queue = rng.choices(list(p.queues), list(p.queues.values()))[0]
        ai = queue == p.ai_queue and rng.random() < p.ai_share
        started = {"direction": "inbound", "from": rng.choice(self.customers), "to": self.lines[queue]}
        # ai_agent names the AI voice agent this call was routed to; only those calls carry it
        call.add(start, "call.started", **started, queue=queue, **({"ai_agent": p.ai_agent} if ai else {}))
        queued = start + ms(rng.uniform(0.5, 6))  # the IVR menu comes before the queue
        call.add(queued, "call.queued", queue=queue)
        if ai:
            answered = queued + ms(rng.uniform(0.4, 2.5))
            call.add(answered, "call.answered", answered_by="ai")
            call.add(answered + ms(self._ln(110, 0.6, 30, 600)), "call.ended", reason="completed")
            return
        if rng.random() < p.abandon_share:  # hangs up however soon an agent is free: many within seconds
            call.add(queued + ms(self._ln(12, 1.5, 0.5, 900)), "call.ended", reason="caller_hangup")
            return
        patience = self._ln(150, 0.7, 20, 1200)  # the others wait for an agent, up to a point
        chosen = self._pick(queued + ms(self._ln(5, 0.7, 1, 60)))
        if chosen is None or chosen[0] > queued + ms(patience):
            call.add(queued + ms(patience), "call.ended", reason="caller_hangup")
            return
        ring, shift = chosen
        answer = ring + ms(self._ln(4, 0.4, 1.5, 15))
        call.add(ring, "call.ringing", agent=shift.name)
        call.add(answer, "call.answered", answered_by="human", agent=shift.name)
        talk = self._ln(200 * self.skill[shift.name][0], 0.5, 60, 600)
        codes = INBOUND_DISPOSITIONS.get(queue, OTHER_DISPOSITIONS)
        self._conversation(call, shift, ring, answer, talk, lambda handler: self._choose(codes))

    def _outbound(self, call: Track, start: datetime, campaign: str) -> None:
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
            call.add(start + ms(outcome.after_seconds), "call.ended", reason=outcome.end_reason)
            return
        answer = start + ms(outcome.after_seconds)
        if outcome.answered_by == "machine":  # answering machine detection: leave a voicemail or hang up
            call.add(answer, "call.answered", answered_by="machine")
            call.add(answer + ms(outcome.machine_seconds), "call.ended", reason=outcome.end_reason)
            return
        call.add(answer, "call.answered", answered_by="human")
        late = rng.random() < drop_share  # the dialer over-dialled: nobody free within 2 s of the answer
        chosen = self._pick(answer + ms(rng.uniform(2.05, 8) if late else rng.uniform(0.2, 1.5)))
        if chosen is None or chosen[0] > answer + ms(12) or (late and rng.random() < 0.5):
            hung_up = answer + ms(rng.uniform(1.5, 6))  # the callee heard silence and hung up
            call.add(hung_up, "call.ended", reason="caller_hangup")
            return
        connected, shift = chosen
        call.add(connected, "call.connected", agent=shift.name)
        talk = self._ln(150 * self.skill[shift.name][0], 0.6, 30, 600)

        def disposition(handler: Shift) -> str:
            won = rng.random() < min(0.8, sale_share * self.skill[handler.name][1])
            return "sale" if won else self._choose(NO_SALE)

        self._conversation(call, shift, connected, connected, talk, disposition)

    def _conversation(self, call: Track, shift: Shift, busy_from: datetime, talk_from: datetime,
                      talk: float, disposition: Callable[[Shift], str]) -> None:  # fmt: skip
        """Talk (maybe a hold or a transfer), end, wrap-up and disposition; books the agents' time."""
        rng, end = self.rng, talk_from + ms(talk)
        branch = rng.random()
        if branch < 0.05:  # a cold transfer to an idle colleague, who then owns the call
            moved = talk_from + ms(talk * rng.uniform(0.1, 0.35))
            chosen = self._pick(moved, exclude=shift)
            if chosen is not None and chosen[0] == moved:
                other = chosen[1]
                call.add(moved, "call.transferred", to_agent=other.name)
                call.add(moved + ms(1), "call.ringing", agent=other.name)
                taken = moved + ms(rng.uniform(2, 6))
                call.add(taken, "call.answered", answered_by="human", agent=other.name)
                shift.book(busy_from, moved, None)
                shift, busy_from = other, moved
        elif branch < 0.2:
            hold = talk_from + ms(talk * rng.uniform(0.2, 0.6))
            length = ms(self._ln(40, 0.6, 8, 300))
            call.add(hold, "call.hold")
            call.add(hold + length, "call.unhold")
            end += length
        call.add(end, "call.ended", reason="completed")
        wrap = rng.uniform(10, 90)
        if rng.random() < 0.9:
            code, at = disposition(shift), end + ms(wrap * rng.uniform(0.3, 0.9))
            call.add(at, "call.disposition", disposition=code, agent=shift.name)
        call.add(end + ms(wrap), "call.wrapup_ended", agent=shift.name)
        shift.book(busy_from, end, end + ms(wrap))

    def _choose(self, weighted: tuple[tuple[str, float], ...]) -> str:
        return self.rng.choices([code for code, _ in weighted], [w for _, w in weighted])[0]
