"""Sends: consent, frequency caps, quiet hours, addresses, rendering — in that order.

Consumes: a `send` node reached by an instance, the program's messages and policies.
Produces: one action per final attempt (`sent`, `suppressed` with `no consent` or
`frequency cap`, `failed` with `no address` or the template error); a send inside quiet
hours is deferred (the instance waits at the node; the trace shows it; no action yet).
Guarantees: marketing caps count only `sent` marketing messages in `(now - D, now]`;
transactional messages skip consent, caps and quiet hours; quiet hours use the profile's
zone, or the policy's default when that is null or unknown (UTC when the default is unknown
too); addresses default per channel (ads: SHA-256 of the lower-cased email).
"""
from __future__ import annotations

import hashlib
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...program.builtins import CONSENT_CHANNELS  # inapp and webhook have no consent attribute
from ...syntax import ast as A
from .content import MessageTemplates, template_value
from .evaluator import consented
from .interpreter import context, local_minutes, next_local_time, zone_of
from .state import own
from .values import to_json_value


def _known_zone(name) -> bool:
    if not isinstance(name, str) or not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _get(attrs: dict, *path: str):
    value = attrs
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    return value


class SendPolicy:
    def __init__(self, program) -> None:
        self.messages: dict[str, A.MessageDecl] = program.messages
        self.templates: dict[str, MessageTemplates] = {}
        self.caps: dict[str, list[tuple[int, int]]] = {}
        self.quiet: Optional[A.QuietHours] = None
        self.quiet_zone = None
        from .evaluator import Compiler
        compiler = Compiler()
        for policy in program.policies:
            for cap in policy.caps:
                self.caps.setdefault(cap.channel.name, []).append((cap.count, cap.per.ms))
            if policy.quiet_hours is not None:
                self.quiet = policy.quiet_hours
                self.quiet_zone = compiler.expr(policy.quiet_hours.zone) if policy.quiet_hours.zone else None
        self.cap_window = {channel: max(per for _, per in caps) for channel, caps in self.caps.items()}

    def templates_of(self, name: str) -> MessageTemplates:
        if name not in self.templates:
            self.templates[name] = MessageTemplates(self.messages[name])
        return self.templates[name]

    def _quiet_until(self, rt, instance, now: int) -> Optional[int]:
        quiet = self.quiet
        if quiet is None:
            return None
        zone_name = None
        if self.quiet_zone is not None:
            zone_name = self.quiet_zone(context(rt, instance, now))
        if not _known_zone(zone_name):
            zone_name = quiet.default_zone  # null or unknown profile zone: the default (itself UTC if unknown)
        zone = zone_of(zone_name)
        minute = local_minutes(now, zone)
        start, end = quiet.start.minutes, quiet.end.minutes
        inside = start <= minute < end if start <= end else (minute >= start or minute < end)
        if not inside or start == end:
            return None
        return next_local_time(now, end, zone, strictly_after=True)

    def send(self, rt, instance, node, now: int) -> bool:
        """Attempt the send; False when it was deferred (the instance now waits)."""
        stmt: A.Send = node.stmt
        channel, name = stmt.channel.name, stmt.message.name
        message = self.messages[name]
        profile = instance.profile
        marketing = not message.transactional
        if marketing and channel in CONSENT_CHANNELS and not consented(profile.attrs, channel):
            rt.action(instance, node, now, channel, name, None, "suppressed", "no consent", None)
            return True
        if marketing:
            for count, per in self.caps.get(channel, ()):
                recent = [t for t in profile.sent.get(channel, ()) if now - per < t <= now]
                if len(recent) >= count:
                    rt.action(instance, node, now, channel, name, None, "suppressed", "frequency cap", None)
                    return True
            until = self._quiet_until(rt, instance, now)
            if until is not None:
                rt.trace(now, instance, node.id, "deferred", reason="quiet hours")
                rt.wait(instance, node.id, until, now)
                return False
        ctx = context(rt, instance, now)
        address = self._address(rt, instance, node, ctx, channel, message)
        if address is None:
            rt.action(instance, node, now, channel, name, None, "failed", "no address", None)
            return True
        variables = {key: template_value(value) for key, value in instance.bindings.items()}
        variables["profile"] = profile.attrs
        variables["journey"] = {"name": instance.journey, "entered_at": to_json_value(ctx.journey["entered_at"])}
        if instance.entry_event is not None and "event" not in variables:
            variables["event"] = instance.entry_event.data
        content = self.templates_of(name).render(variables)
        if isinstance(content, str):
            rt.action(instance, node, now, channel, name, address, "failed", content, None)
            return True
        if channel == "webhook" and stmt.to is None and "url" in content:
            address = content["url"]
        if marketing and channel in self.cap_window:
            # only caps read these times: keep those within the channel's longest cap
            times = own(profile, "sent").setdefault(channel, [])
            times.append(now)
            horizon = now - self.cap_window[channel]
            if times[0] <= horizon:
                times[:] = [t for t in times if t > horizon]
        action = rt.action(instance, node, now, channel, name, address, "sent", None, content)
        if stmt.alias is not None:
            instance.bindings[stmt.alias.name] = action
        return True

    def _address(self, rt, instance, node, ctx, channel: str, message: A.MessageDecl):
        if node.expr is not None:
            value = node.expr(ctx)
            return str(to_json_value(value)) if value is not None and value != "" else None
        attrs = instance.profile.attrs
        if channel == "email":
            value = _get(attrs, "personalEmail", "address")
        elif channel == "sms":
            value = _get(attrs, "mobilePhone", "number")
        elif channel in ("push", "inapp"):
            value = instance.profile.id
        elif channel == "ads":
            email = _get(attrs, "personalEmail", "address")
            if not isinstance(email, str) or not email:
                email = next((i.split(":", 1)[1] for i in rt.identities.members.get(instance.profile.id, ())
                              if i.startswith("Email:")), None)
            value = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest() if email else None
        elif channel == "webhook":
            value = next((f.value for f in message.fields if f.name.name == "url"), None)
        else:
            value = None
        return value if isinstance(value, str) and value else None
