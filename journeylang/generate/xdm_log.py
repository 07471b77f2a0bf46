"""Deterministic generator of realistic XDM-shaped event logs (RUNTIME.md sections 1-2).

Consumes: a number of profiles, a number of days, a seed and a start instant (RFC 3339).
Produces: a JSONL log of a sports retailer's customers, gzip-compressed when the path ends
with ``.gz`` (Parquet with ``.parquet``: ``parquet_log.py``): profile records
(``"recordType": "profile"``) and experience events of web
and app sessions (``application.launch``, ``web.webpagedetails.pageViews``,
``commerce.productViews`` / ``productListAdds`` / ``productListRemovals`` / ``cartCleared``
/ ``purchases``), message tracking (``message.interaction``) and in-store activity
(``store.visit`` and offline purchases, dataset ``offline``).

Guarantees:

* deterministic: only ``random.Random(seed)`` (one derived generator per profile), no
  wall clock, no set or hash order; the same arguments give byte-identical output (the
  gzip header carries no name and mtime 0);
* log order: records sorted by (timestamp, profile index, per-profile sequence);
* every record has a unique ``_id`` (``p-N`` profile records, ``e-N`` events, numbered in
  log order), a whole-second UTC ``timestamp`` ending in ``Z`` inside ``[start, start +
  days)``, and an ``identityMap``;
* bounded memory: profiles are simulated in chunks of ``CHUNK_PROFILES``; each chunk is
  sorted and spilled to a temporary file, and the chunk files are merged with a heap.

Vocabulary: profile i (0-based) is ``Email:u{i:06d}@example.com`` and ``ECID:ecid-{i:06d}``;
about 15% first browse anonymously as ``ECID:anon-{i:06d}`` (authenticatedState
``ambiguous``), and most of them later log in with one event carrying both that ECID and
the Email. Carts are ``c-{i:06d}-{n}`` (a new one after a purchase or a clear), orders
``o-{i:06d}-{n}``, stores ``S001``..``S020``, messages ``cart_reminder``,
``browse_reminder``, ``wishlist_reminder``, ``order_confirmation``, ``offer_reminder``.
"""
from __future__ import annotations

import argparse
import gzip
import heapq
import io
import os
import random
import sys
import tempfile
import time
from datetime import datetime
from itertools import accumulate
from typing import Iterator

import orjson

DAY = 86_400
CHUNK_PROFILES = 5_000          # profiles simulated, sorted and spilled at a time
SESSIONS_PER_DAY = 0.08         # mean web/app sessions per profile and day
STORE_VISITS_PER_DAY = 0.004
MESSAGES_PER_DAY = 0.015        # unprompted campaign opens (offers, wishlists, ...)
ANONYMOUS_SHARE = 0.15
LATE_PROFILE_SHARE = 0.04
CONSENT_CHANGE_SHARE = 0.02
_KEY_WIDTH = 24                 # offset(10) + profile index(8) + sequence(6)

_CATALOGUE = {   # category: (SKU prefix, popularity, "name:price|...")
    "exercise-equipment": ("EQ", 30, "Kettlebell 12 kg:39|Dumbbell set 20 kg:89|Resistance bands:19|"
                           "Jump rope:12|Pull-up bar:34|Adjustable bench:149|Foam roller:24|Rowing machine:499"),
    "yoga": ("YG", 20, "Yoga mat:39|Yoga block:12|Yoga strap:9|Meditation cushion:35|Yoga wheel:29|"
                       "Cork yoga mat:69|Mat bag:25|Yoga towel:19"),
    "apparel": ("AP", 20, "Running shirt:29|Training shorts:25|Leggings:45|Sports bra:35|Hoodie:59|"
                          "Rain jacket:89|Tank top:19|Running socks 3-pack:12"),
    "footwear": ("FW", 15, "Running shoes:119|Trail shoes:139|Training shoes:99|Slides:29|"
                           "Walking shoes:89|Racing flats:159|Hiking boots:169|Insoles:25"),
    "nutrition": ("NU", 15, "Whey protein 1 kg:34|Protein bars 12-pack:24|Electrolyte tabs:9|"
                            "Energy gels 6-pack:14|Creatine 300 g:19|Shaker bottle:8|Vegan protein 1 kg:36|Recovery drink:22"),
}
CATEGORIES = tuple(_CATALOGUE)
_CATEGORY_WEIGHTS = [_CATALOGUE[c][1] for c in CATEGORIES]
PRODUCTS = {c: [{"SKU": f"{prefix}-{n:03d}", "name": name, "category": c, "price": float(price),
                 "productImageUrl": f"https://cdn.example.com/products/{prefix}-{n:03d}.jpg"}
                for n, (name, price) in enumerate((entry.split(":") for entry in items.split("|")), 1)]
            for c, (prefix, _, items) in _CATALOGUE.items()}
_BY_SKU = {p["SKU"]: p for products in PRODUCTS.values() for p in products}
# Same ids and names as journeys/data/stores.csv.
STORES = [{"id": f"S{n:03d}", "name": f"Luma {city}"} for n, city in enumerate((
    "Stockholm Gothenburg Malmo Uppsala Paris Lyon Marseille Lille Berlin Hamburg Munich Cologne "
    "Frankfurt Copenhagen Oslo Helsinki Amsterdam Brussels Zurich Vienna").split(), 1)]
TIMEZONES = {"Europe/Stockholm": (1, "+4670"), "Europe/Paris": (1, "+336"),
             "Europe/Berlin": (1, "+49151"), "America/New_York": (-5, "+1212"),
             "UTC": (0, "+447700")}   # zone -> (UTC offset in November, phone prefix)
_FIRST = ("Ann Erik Maja Lars Sofia Jonas Emma Karl Lea Hugo Chloe Lucas Mia Felix Olivia Noah "
          "Amelie Paul Grace Sarah").split()
_LAST = ("Andersson Johansson Karlsson Nilsson Martin Bernard Dubois Muller Schmidt Schneider "
         "Fischer Smith Johnson Brown Miller Davis Lindqvist Berg Moreau Weber").split()
_TIERS, _TIER_WEIGHTS = ["bronze", "silver", "gold", "platinum"], [50, 30, 15, 5]
_CAMPAIGNS, _CAMPAIGN_WEIGHTS = ["offer_reminder", "wishlist_reminder"], [3, 2]
# Cumulative weights of the local hour of day: online activity, and store opening hours.
_ONLINE_HOURS = list(accumulate((1, .5, .3, .2, .2, .4, 1, 2, 3, 3, 3, 4, 5, 5, 4, 4, 4, 5, 6, 7, 8, 7, 5, 2)))
_STORE_HOURS = list(accumulate([0] * 10 + [2, 3, 3, 3, 3, 3, 4, 4, 3] + [0] * 5))   # 10:00-19:00
_SHOP = "https://luma.example.com"


def _parse_start(start: str) -> int:
    try:
        moment = datetime.fromisoformat(start.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"start is not an RFC 3339 timestamp: {start!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"start needs 'Z' or an offset: {start!r}")
    return int(moment.timestamp())


def _item(product: dict, quantity: int = 1) -> dict:
    return {"SKU": product["SKU"], "name": product["name"], "category": product["category"],
            "quantity": quantity, "priceTotal": round(product["price"] * quantity, 2),
            "productImageUrl": product["productImageUrl"], "currencyCode": "EUR"}


def _page(name: str, path: str) -> dict:
    return {"webpagedetails": {"name": name, "URL": _SHOP + path, "pageViews": {"value": 1}}}


class _Shopper:
    """One profile's simulated life: emits its records as (sort key line) bytes."""

    def __init__(self, idx: int, rng: random.Random, horizon: int, start_epoch: int):
        self.idx, self.rng, self.horizon, self.start_epoch = idx, rng, horizon, start_epoch
        self.lines: list[bytes] = []
        self.seq = 0
        email = f"u{idx:06d}@example.com"
        email_id = {"id": email, "authenticatedState": "authenticated", "primary": True}
        anon = f"anon-{idx:06d}"
        self.known = {"Email": [email_id], "ECID": [{"id": f"ecid-{idx:06d}"}]}
        self.offline = {"Email": [email_id]}
        self.anonymous = {"ECID": [{"id": anon, "authenticatedState": "ambiguous", "primary": True}]}
        self.link = {"Email": [email_id], "ECID": [{"id": anon}]}
        self.anon_sessions = rng.choice((1, 1, 2)) if rng.random() < ANONYMOUS_SHARE else 0
        self.never_logs_in = self.anon_sessions > 0 and rng.random() < 0.2
        self.favourite = rng.choices(CATEGORIES, _CATEGORY_WEIGHTS)[0]
        self.activity = rng.gammavariate(0.8, 1.25)   # mean 1, skewed: a few heavy shoppers
        self.cart: list[dict] = []
        self.carts = self.orders = 1
        self.zone = None
        self.store = STORES[0]

    # -- emitting ---------------------------------------------------------------------
    def _emit(self, t: int, kind: bytes, record: dict) -> None:
        if 0 <= t < self.horizon:
            self.seq += 1
            self.lines.append(b"%010d%08d%06d%s%s\n" % (t, self.idx, self.seq, kind, orjson.dumps(record)))

    def timestamp(self, t: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.start_epoch + t))

    def event(self, t: int, event_type: str, dataset: str, identity: dict, **fields) -> None:
        self._emit(t, b"e", {"timestamp": self.timestamp(t), "eventType": event_type,
                             "dataset": dataset, "identityMap": identity, **fields})

    def profile(self, t: int, **fields) -> None:
        self._emit(t, b"p", {"recordType": "profile", "timestamp": self.timestamp(t),
                             "identityMap": self.known, **fields})

    # -- the profile ------------------------------------------------------------------
    def profile_records(self) -> None:
        rng = self.rng
        fields: dict = {"person": {"name": {"firstName": rng.choice(_FIRST), "lastName": rng.choice(_LAST)}},
                        "personalEmail": {"address": self.known["Email"][0]["id"]}}
        zone = rng.choice(list(TIMEZONES))
        if rng.random() < 0.8:
            fields["mobilePhone"] = {"number": f"{TIMEZONES[zone][1]}{rng.randrange(10**7):07d}"}
        if rng.random() < 0.9:
            fields["timezone"] = self.zone = zone
        marketing = {ch: {"val": "y" if rng.random() < p else "n"}
                     for ch, p in (("email", 0.8), ("sms", 0.4), ("push", 0.6))}
        fields["consents"] = {"marketing": marketing, "share": {"val": "y" if rng.random() < 0.5 else "n"}}
        fields["churnprop"] = round(rng.random() ** 1.5, 2)
        fields["loyalty"] = {"tier": rng.choices(_TIERS, _TIER_WEIGHTS)[0]}
        self.store = rng.choice(STORES)
        fields["preferredStore"] = {"id": self.store["id"]}
        at = rng.randrange(self.horizon // 2) if rng.random() < LATE_PROFILE_SHARE else 0
        self.profile(at, **fields)
        if rng.random() < CONSENT_CHANGE_SHARE and at + 1 < self.horizon:
            granted = [ch for ch in ("email", "sms", "push") if marketing[ch]["val"] == "y"]
            channel, val = (rng.choice(granted), "n") if granted else ("email", "y")
            self.profile(rng.randrange(at + 1, self.horizon),
                         consents={"marketing": {channel: {"val": val}}})

    def arrivals(self, per_day: float, hours: list[float] = _ONLINE_HOURS) -> list[int]:
        """Poisson arrivals over the window, at local hours of day weighted by hours."""
        rng, out, days = self.rng, [], self.horizon / DAY
        if per_day <= 0:
            return out
        tz_hours = TIMEZONES.get(self.zone, (1,))[0]
        day = rng.expovariate(per_day)
        while day < days:
            hour = rng.choices(range(24), cum_weights=hours)[0]
            out.append(int(day) * DAY - self.start_epoch % DAY + (hour - tz_hours) * 3600 + rng.randrange(3600))
            day += rng.expovariate(per_day)
        return out

    # -- activities -------------------------------------------------------------------
    def live(self) -> list[bytes]:
        self.profile_records()
        agenda = [(t, "session") for t in self.arrivals(SESSIONS_PER_DAY * self.activity)]
        agenda += [(t, "store") for t in self.arrivals(STORE_VISITS_PER_DAY * self.activity, _STORE_HOURS)]
        agenda += [(t, "message") for t in self.arrivals(MESSAGES_PER_DAY)]
        heapq.heapify(agenda)
        busy_until = -1
        while agenda:
            t, kind = heapq.heappop(agenda)
            if t >= self.horizon:
                break
            if kind == "message":
                self.message(t, self.rng.choices(_CAMPAIGNS, _CAMPAIGN_WEIGHTS)[0], 0.35)
                continue
            if t <= busy_until:
                t = busy_until + self.rng.randint(300, 3600)
            if kind.startswith("store"):
                busy_until = self.store_visit(t, buy_cart=kind == "store-cart")
            else:
                busy_until = self.session(t, agenda, returning=kind == "return")
        return self.lines

    def message(self, t: int, name: str, click_rate: float) -> int:
        self.event(t, "message.interaction", "web", self.known, message={"name": name, "action": "open"})
        if self.rng.random() < click_rate:
            t += self.rng.randint(5, 600)
            self.event(t, "message.interaction", "web", self.known, message={"name": name, "action": "click"})
            return t
        return -1

    def pick_product(self) -> dict:
        rng = self.rng
        category = self.favourite if rng.random() < 0.7 else rng.choices(CATEGORIES, _CATEGORY_WEIGHTS)[0]
        return rng.choice(PRODUCTS[category])

    def cart_fields(self, what: str) -> dict:
        return {"cart": {"cartID": f"c-{self.idx:06d}-{self.carts}"}, what: {"value": 1}}

    def purchase(self, t: int, dataset: str, identity: dict, items: list[dict], store: dict | None) -> None:
        """An order: of the current cart online, or in a store (no cart id, store fields)."""
        commerce = {"order": {"purchaseID": f"o-{self.idx:06d}-{self.orders}", 
                              "priceTotal": round(sum(i["priceTotal"] for i in items), 2), "currencyCode": "EUR"},
                    "purchases": {"value": 1}}
        if not store:
            commerce = {"cart": {"cartID": f"c-{self.idx:06d}-{self.carts}"}, **commerce}
        self.orders += 1
        self.event(t, "commerce.purchases", dataset, identity, commerce=commerce, productListItems=items,
                   **({"store": store} if store else {}))

    def session(self, t: int, agenda: list, returning: bool) -> int:
        rng = self.rng
        known = self.anon_sessions == 0 and not self.never_logs_in
        logs_in = self.anon_sessions == 1 and not self.never_logs_in
        self.anon_sessions = max(0, self.anon_sessions - 1)
        identity = self.known if known else self.anonymous
        app = known and rng.random() < 0.4
        dataset = "app" if app else "web"
        if app:
            self.event(t, "application.launch", dataset, identity, application={"launches": {"value": 1}})
        elif not returning:
            self.event(t, "web.webpagedetails.pageViews", dataset, identity, web=_page("home", "/"))
        if not returning and not logs_in and rng.random() < 0.3:  # bounce
            return t + 60
        viewed = []
        for _ in range(1 if returning else min(6, 1 + int(rng.expovariate(0.6)))):
            t += rng.randint(10, 90)
            product = _BY_SKU[rng.choice(self.cart)["SKU"]] if returning and self.cart else self.pick_product()
            if not app and rng.random() < 0.5:
                self.event(t, "web.webpagedetails.pageViews", dataset, identity,
                           web=_page(f"product:{product['SKU']}", f"/p/{product['SKU']}"))
                t += rng.randint(1, 3)
            self.event(t, "commerce.productViews", dataset, identity,
                       commerce={"productViews": {"value": 1}}, productListItems=[_item(product)])
            viewed.append(product)
        if rng.random() < (0.2 if returning else 0.45):
            for product in rng.sample(viewed, min(len(viewed), rng.choice((1, 1, 2)))):
                t += rng.randint(5, 60)
                item = _item(product, rng.choice((1, 1, 1, 2)))
                self.cart.append(item)
                self.event(t, "commerce.productListAdds", dataset, identity,
                           commerce=self.cart_fields("productListAdds"), productListItems=[item])
        if self.cart:
            roll = rng.random()
            if roll < 0.15:
                t += rng.randint(10, 120)
                item = self.cart.pop(rng.randrange(len(self.cart)))
                self.event(t, "commerce.productListRemovals", dataset, identity,
                           commerce=self.cart_fields("productListRemovals"), productListItems=[item])
            elif roll < 0.27:
                t += rng.randint(10, 120)
                self.event(t, "commerce.cartCleared", dataset, identity,
                           commerce=self.cart_fields("cartCleared"), productListItems=self.cart)
                self.cart, self.carts = [], self.carts + 1
        if logs_in:                        # the one record linking the anonymous ECID
            t += rng.randint(5, 60)
            self.event(t, "web.webpagedetails.pageViews", dataset, self.link, web=_page("login", "/login"))
            identity, known = self.link, True
        if not known:
            return t
        if self.cart and rng.random() < (0.6 if returning else 0.4):
            if not app:
                t += rng.randint(20, 120)
                self.event(t, "web.webpagedetails.pageViews", dataset, identity, web=_page("checkout", "/checkout"))
            t += rng.randint(30, 300)
            self.purchase(t, dataset, identity, self.cart, None)
            self.cart, self.carts = [], self.carts + 1
            if rng.random() < 0.35:
                self.message(t + rng.randint(60, 7200), "order_confirmation", 0.2)
        elif self.cart and rng.random() < 0.35:                     # reminded about the cart
            click = self.message(t + rng.randint(1800, 6 * 3600), "cart_reminder", 0.45)
            if click >= 0 and rng.random() < 0.5:
                heapq.heappush(agenda, (click + rng.randint(30, 300), "return"))
            elif rng.random() < 0.15:
                heapq.heappush(agenda, (t + rng.randint(3600, 20 * 3600), "store-cart"))
        elif viewed and not self.cart and rng.random() < 0.1:
            self.message(t + 3 * DAY + rng.randint(0, 10 * 3600), "browse_reminder", 0.35)
        return t

    def store_visit(self, t: int, buy_cart: bool) -> int:
        rng = self.rng
        store = self.store if rng.random() < 0.7 else rng.choice(STORES)
        self.event(t, "store.visit", "offline", self.offline, store=store)
        if buy_cart and self.cart:
            t += rng.randint(300, 1800)
            self.purchase(t, "offline", self.offline, self.cart, store)
            self.cart, self.carts = [], self.carts + 1
        elif rng.random() < 0.35:
            t += rng.randint(300, 1800)
            items = [_item(self.pick_product(), rng.choice((1, 1, 2))) for _ in range(rng.choice((1, 1, 2, 3)))]
            self.purchase(t, "offline", self.offline, items, store)
        return t


def _merged(profiles: int, horizon: int, start_epoch: int, master: random.Random) -> Iterator[bytes]:
    """Key-prefixed record lines of all profiles in log order; chunks are spilled to disk."""
    def chunk(first: int, last: int) -> list[bytes]:
        lines: list[bytes] = []
        for idx in range(first, last):
            rng = random.Random(master.getrandbits(64))
            lines += _Shopper(idx, rng, horizon, start_epoch).live()
        lines.sort()                       # fixed-width keys: bytes order is log order
        return lines

    step = max(1, CHUNK_PROFILES)
    if profiles <= step:
        yield from chunk(0, profiles)
        return
    with tempfile.TemporaryDirectory(prefix="journeylang-generate-") as tmp:
        files = []
        try:
            for first in range(0, profiles, step):
                path = os.path.join(tmp, f"{len(files):06d}.chunk")
                with open(path, "wb") as out:
                    out.writelines(chunk(first, min(first + step, profiles)))
                files.append(open(path, "rb", buffering=1 << 18))
            yield from heapq.merge(*files)
        finally:
            for f in files:
                f.close()


def _numbered(lines: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Strip the sort key, splice in ``_id`` as the first key; flag events."""
    counts = {b"e": 0, b"p": 0}
    for line in lines:
        kind = line[_KEY_WIDTH:_KEY_WIDTH + 1]
        counts[kind] += 1
        yield b'{"_id":"%s-%d",%s' % (kind, counts[kind], line[_KEY_WIDTH + 2:]), kind == b"e"


def _log_lines(*, profiles: int, days: int, seed: int, start: str) -> Iterator[tuple[bytes, bool]]:
    """Validate the arguments now; return the final JSONL lines lazily."""
    if not 0 <= profiles < 10**8:
        raise ValueError("profiles must be in [0, 10**8)")
    if not 0 < days <= 100_000:
        raise ValueError("days must be in (0, 100000]")
    start_epoch = _parse_start(start)
    return _numbered(_merged(profiles, int(days * DAY), start_epoch, random.Random(seed)))


def iter_records(*, profiles: int, days: int, seed: int, start: str) -> Iterator[dict]:
    """Yield the log's records in log order, exactly as generate_log writes them."""
    for line, _ in _log_lines(profiles=profiles, days=days, seed=seed, start=start):
        yield orjson.loads(line)


def generate_log(path: str, *, profiles: int, days: int, seed: int,
                 start: str = "2026-11-01T00:00:00Z") -> dict:
    """Write the log to path (gzip when path ends with .gz, Parquet with .parquet), return stats {"records":..., "events":..., "profiles":..., "bytes":...}."""
    lines = _log_lines(profiles=profiles, days=days, seed=seed, start=start)
    records = events = 0
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if path.lower().endswith(".parquet"):   # the same records as Parquet (`parquet_log.py`)
        from .parquet_log import write_parquet
        records, events = write_parquet(path, lines)
        return {"records": records, "events": events, "profiles": profiles, "bytes": os.path.getsize(path)}
    with open(path, "wb", buffering=1 << 20) as raw:
        out = io.BufferedWriter(gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6,
                                              mtime=0), 1 << 20) if path.endswith(".gz") else raw
        for line, is_event in lines:
            out.write(line)
            records += 1
            events += is_event
        if out is not raw:
            out.close()                    # flushes and writes the gzip trailer
    return {"records": records, "events": events, "profiles": profiles, "bytes": os.path.getsize(path)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="journeylang generate",
                                     description="Generate a deterministic synthetic XDM event log.")
    parser.add_argument("--profiles", type=int, default=1000, help="number of profiles (default 1000)")
    parser.add_argument("--days", type=int, default=30, help="length of the window in days (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--start", default="2026-11-01T00:00:00Z", help="RFC 3339 start of the window")
    parser.add_argument("-o", "--output", required=True, help="output .jsonl or .jsonl.gz path")
    args = parser.parse_args(argv)
    try:
        stats = generate_log(args.output, profiles=args.profiles, days=args.days,
                             seed=args.seed, start=args.start)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(orjson.dumps(stats).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
