"""Simulated SMS/MMS traffic: bodies in several languages, carrier keywords, delivery outcomes."""

from __future__ import annotations

import random
from datetime import datetime

from operational.consent import keyword_action
from operational.simulator.timeline import Event, Track, ms
from operational.simulator.traffic import SimulationProfile

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


class MessageScenes:
    """The messages of a day; mixed into the simulator, whose random stream and numbers it shares."""

    rng: random.Random
    p: SimulationProfile
    customers: list[str]
    sms_line: str
    keywords: dict[str, list[tuple[datetime, bool]]]

    def _message(self, msg: Track, at: datetime) -> None:
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
            msg.add(at + ms(rng.uniform(0.05, 0.4)), "message.status", status="received")
            return
        fate, at = rng.random(), at + ms(rng.uniform(0.02, 0.2))
        msg.add(at, "message.status", status="queued")
        if fate < 0.03:  # refused by the provider: never sent
            failed = {"status": "failed", "error_code": rng.choice(_FAILED_CODES)}
            msg.add(at + ms(rng.uniform(0.5, 3)), "message.status", **failed)
            return
        at += ms(rng.uniform(0.3, 2.5))
        msg.add(at, "message.status", status="sent")
        final = {"status": "undelivered", "error_code": rng.choice(_UNDELIVERED_CODES)} if fate < 0.08 else {}
        msg.add(at + ms(rng.uniform(1, 30)), "message.status", **(final or {"status": "delivered"}))
