"""Portal and public pages of rma_warranty under load: one locust user per portal
login of the load world (``load_world.py``), browsing, checking warranties, filing
requests with a photo and guessing codes.

Run by ``bench_load.py`` (``./dev bench --suite load``) and by the smoke in
``./dev test`` (``tests/test_load_smoke.py``), with locust from its own virtualenv
(requirements/load.txt)::

    RMAW_LOAD_USERS=users.json RMAW_LOAD_OUT=out.json \
        locust -f tests/bench/locustfile.py --headless -u 50 -r 10 -t 60s \
        --host http://127.0.0.1:8069

- ``RMAW_LOAD_USERS``: the users file of ``load_world.py`` (logins, password,
  serials each user may file, serials known to the public check); a user with a
  ``session_id`` (logged in before the run by bench_load.py) starts with it,
  the others log in through Odoo's login form first.
- ``RMAW_LOAD_OUT``: where the run is written at its end (JSON): every request
  (page, response time in ms, ok or the failure, when), the RMA each successful
  submission filed (from its redirect) per login, and the outcomes of code
  guessing ("invalid": HTTP 400 and its message; "throttled": HTTP 429 and its
  message). Anything else is a failure: a 5xx, a redirect to the login page
  (session lost), a page without its content, a refused request form.

Each page is named after what it is, not its URL, so that its ids do not split it.
The users think 1 to 5 seconds between two pages (``RMAW_LOAD_WAIT``: "1,5");
with ``RMAW_LOAD_TOUR`` set each one first visits every page once (the smoke).
"""

import itertools
import json
import os
import random
import re
import struct
import time
import uuid
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task
from requests.cookies import create_cookie

WORLD = json.loads(Path(os.environ["RMAW_LOAD_USERS"]).read_text())
OUT = os.environ.get("RMAW_LOAD_OUT")
WAIT = [float(x) for x in os.environ.get("RMAW_LOAD_WAIT", "1,5").split(",")]
ACCOUNTS = itertools.cycle(WORLD["users"])
HOST = os.environ.get("RMAW_LOAD_HOST", "127.0.0.1")


def _png(size=64):
    """A real PNG photo (``size`` x ``size``, a colour gradient), recognised as an
    image from its content as the portal requires."""
    raw = b"".join(
        b"\x00" + b"".join(bytes((x * 4 % 256, y * 4 % 256, 128)) for x in range(size))
        for y in range(size)
    )

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PHOTO = _png()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _multipart(fields, files):
    """A multipart/form-data body as a browser sends a form with files:
    ``(body, content type)``; ``files``: [(field, file name, content, type)]."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        f"{value}\r\n".encode()
        for name, value in fields.items()
    ]
    parts += [
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: {mimetype}\r\n\r\n'
        ).encode()
        + content
        + b"\r\n"
        for field, filename, content, mimetype in files
    ]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REQUEST_TOKEN = re.compile(r'name="request_token" value="([^"]+)"')
RMA_LINK = re.compile(r'href="/my/rmas/(\d+)[?"]')
UNIT_LINK = re.compile(r'href="/my/units/(\d+)"')
FILED = re.compile(r"/my/rmas/(\d+)")


def _refusal(page):
    """The refusal a page shows, as plain text (at most 200 characters)."""
    found = REFUSAL.search(page) or TITLE.search(page)
    text = found.group(1) if found else ""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())[:200]


# Why a request was not filed: the form's refusal, or the title of Odoo's error page
# (e.g. a CSRF token refused), so that a failure of the run says what happened.
REFUSAL = re.compile(r'o_rma_request_error"[^>]*>(.*?)</div>', re.DOTALL)
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)

RUN = {
    "samples": [],
    "submissions": defaultdict(list),
    "guesses": Counter(),
    "started": time.time(),
}


@events.request.add_listener
def _record(name, response_time, exception, **_kw):
    RUN["samples"].append(
        [
            name,
            round(response_time, 2),
            None if exception is None else str(exception)[:300],
            round(time.time() - RUN["started"], 3),
        ]
    )


@events.quitting.add_listener
def _write(**_kw):
    if OUT:
        Path(OUT).write_text(json.dumps(RUN))


class PortalUser(FastHttpUser):
    """A portal login of the load world: end user or distributor. Locust's
    FastHttpUser (geventhttpclient): a client that costs little CPU, as the
    machine is shared with the server."""

    wait_time = between(*WAIT)
    # Odoo answers HTTP/1.0: a connection per request, as behind a proxy.
    network_timeout = 120.0
    connection_timeout = 60.0

    def on_start(self):
        self.account = next(ACCOUNTS)
        self.rma_ids = []
        self.unit_ids = []
        self.unit_csrf = None
        if self.account.get("session_id"):
            # Logged in before the run (bench_load.log_in): a person browsing
            # the portal mostly is already (Odoo's sessions last a week).
            self.client.cookiejar.set_cookie(
                create_cookie("session_id", self.account["session_id"], domain=HOST)
            )
        else:
            self.log_in()
        if os.environ.get("RMAW_LOAD_TOUR"):
            # Every page once, in the order a person finds them (the smoke run).
            for step in TOUR:
                step(self)
        else:
            self.my_rmas()
            self.my_units()

    def log_in(self):
        # Odoo's login form, as a person logs in (the database is the server's).
        form = self.client.get("/web/login", name="login form")
        csrf = CSRF.search(form.text or "")
        with self.client.post(
            "/web/login",
            data=urlencode(
                {
                    "csrf_token": csrf.group(1) if csrf else "",
                    "login": self.account["login"],
                    "password": WORLD["password"],
                    "redirect": "/my",
                }
            ),
            headers=FORM,
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as resp:
            if resp.status_code not in (302, 303) or "/my" not in resp.headers.get(
                "Location", ""
            ):
                resp.failure(f"login refused: HTTP {resp.status_code}")

    # ---- Helpers ----

    def _page(self, url, name, marker):
        """GET a portal page; it must answer 200 with ``marker`` in it (no
        redirect: that is the login page of a lost session)."""
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True
        ) as resp:
            if resp.status_code != 200:
                resp.failure(
                    f"HTTP {resp.status_code} {resp.headers.get('Location', '')}"
                )
            elif marker not in (resp.text or ""):
                resp.failure(f"no {marker!r} in the page")
            return resp

    # ---- Tasks ----

    @task(4)
    def my_rmas(self):
        resp = self._page("/my/rmas", "My RMAs", "o_portal")
        found = [int(i) for i in RMA_LINK.findall(resp.text or "")]
        self.rma_ids = list(dict.fromkeys(found + self.rma_ids))[:40]

    @task(3)
    def rma_page(self):
        if not self.rma_ids:
            return self.my_rmas()
        rma_id = random.choice(self.rma_ids)
        self._page(f"/my/rmas/{rma_id}", "RMA page", "o_portal")

    @task(3)
    def my_units(self):
        resp = self._page("/my/units", "My units", "o_rma_unit_serial")
        self.unit_ids = [int(i) for i in UNIT_LINK.findall(resp.text or "")]

    @task(3)
    def unit_page(self):
        if not self.unit_ids:
            return self.my_units()
        resp = self._page(
            f"/my/units/{random.choice(self.unit_ids)}", "Unit page", "o_portal"
        )
        match = CSRF.search(resp.text or "")
        if match:
            self.unit_csrf = match.group(1)

    @task(2)
    def check_known(self):
        serial = random.choice(WORLD["known_serials"])
        self._page(
            f"/warranty/check?serial={serial}",
            "Check a known serial",
            "o_warranty_check_unit",
        )

    @task(1)
    def check_unknown(self):
        self._page(
            f"/warranty/check?serial=NOPE-{uuid.uuid4().hex[:10]}",
            "Check an unknown serial",
            "o_warranty_check_unknown",
        )

    @task(1)
    def file_request(self):
        """The new-request form, then the request of one unit with a photo; a
        success is the redirect to the RMA it filed."""
        form = self._page("/my/rmas/new", "New request form", "request_token")
        csrf = CSRF.search(form.text or "")
        token = REQUEST_TOKEN.search(form.text or "")
        if not (csrf and token):
            return
        body, content_type = _multipart(
            {
                "csrf_token": csrf.group(1),
                "request_token": token.group(1),
                "unit-0-serial": random.choice(self.account["serials"]),
                "unit-0-fault_description": "Fan noise under load (load run)",
            },
            [("attachments", "photo.png", PHOTO, "image/png")],
        )
        with self.client.post(
            "/my/rmas/new",
            data=body,
            headers={"Content-Type": content_type},
            name="New request with a photo",
            allow_redirects=False,
            catch_response=True,
        ) as resp:
            filed = FILED.search(resp.headers.get("Location", ""))
            if resp.status_code in (302, 303) and filed:
                RUN["submissions"][self.account["login"]].append(int(filed.group(1)))
            else:
                why = _refusal(resp.text or "")
                resp.failure(f"HTTP {resp.status_code}: not filed ({why})")

    @task(1)
    def guess_code(self):
        """A wrong code on one of the user's units: refused with a message (400),
        or throttled (429) once too many were tried; never anything else."""
        if not (self.unit_ids and self.unit_csrf):
            return self.unit_page()
        with self.client.post(
            f"/my/units/{random.choice(self.unit_ids)}/redeem",
            data=urlencode(
                {
                    "csrf_token": self.unit_csrf,
                    "code": f"GUESS-{uuid.uuid4().hex[:8].upper()}",
                }
            ),
            headers=FORM,
            name="Guess a code",
            allow_redirects=False,
            catch_response=True,
        ) as resp:
            text = resp.text or ""
            if resp.status_code == 400 and "is not valid" in text:
                RUN["guesses"]["invalid"] += 1
                resp.success()
            elif resp.status_code == 429 and "Too many codes" in text:
                RUN["guesses"]["throttled"] += 1
                resp.success()
            else:
                RUN["guesses"]["other"] += 1
                resp.failure(f"HTTP {resp.status_code}: neither refused nor throttled")


TOUR = [
    PortalUser.my_rmas,
    PortalUser.rma_page,
    PortalUser.my_units,
    PortalUser.unit_page,
    PortalUser.check_known,
    PortalUser.check_unknown,
    PortalUser.file_request,
    PortalUser.guess_code,
]
