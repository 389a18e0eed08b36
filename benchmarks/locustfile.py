"""Locust scenario: users sign in, open the main pages and change filters, posting the JSON a browser posts."""

from __future__ import annotations

import random
from typing import Any

from locust import HttpUser, between, events, task

from benchmarks.dashclient import DashSession, HttpTransport, Response, login

# Demo accounts and the weight of each in the simulated population (planners and analysts
# dominate; agency HR staff see their own agency only).
ACCOUNTS = (("planner", 4), ("analyst", 3), ("executive", 1), ("hr-central", 1), ("hr-county", 1))
FILTER_CHANGES_PER_VISIT = 3


class NamedTransport(HttpTransport):
    """HttpTransport that names each request for locust's statistics (one row per callback)."""

    def get(self, path: str) -> Response:
        import time

        t0 = time.perf_counter()
        name = path if not path.startswith("/_dash-component-suites/") else "/_dash-component-suites/*"
        return self._wrap(self.session.get(self.base_url + path, name=name.split("?")[0], timeout=60), t0)

    def post_json(self, path: str, body: Any) -> Response:
        import time

        t0 = time.perf_counter()
        name = f"cb {body.get('output', '?')[:70]}" if isinstance(body, dict) else path
        with self.session.post(
            self.base_url + path, json=body, name=name, timeout=60, catch_response=True
        ) as r:
            # PreventUpdate answers 204: a normal outcome, not a failure.
            if r.status_code in (200, 204):
                r.success()
            resp = self._wrap(r, t0)
        return resp

    def post_form(self, path: str, form: dict[str, str]) -> Response:
        import time

        t0 = time.perf_counter()
        return self._wrap(self.session.post(self.base_url + path, data=form, name=path, timeout=60), t0)


def _allowed(role: str) -> list[str]:
    from dashboard.auth import allowed_paths

    return [p for p in allowed_paths(role) if p not in ("/login", "/logout")]


class DashboardUser(HttpUser):
    """One analyst at a browser: sign in once, then visit pages and play with the filters.

    Every action (opening a page, changing a filter) is followed by a pause of `wait_time`, as a
    person reads the charts before the next change; the page's own callback requests after an
    action go out at once, as a browser sends them."""

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        from dashboard.auth.users import DEMO_ACCOUNTS

        names = [n for n, _ in ACCOUNTS]
        weights = [w for _, w in ACCOUNTS]
        self.account = random.choices(names, weights)[0]
        self.pages = _allowed(DEMO_ACCOUNTS[self.account][0])
        self.transport = NamedTransport(self.host or "", session=self.client)
        login(self.transport, self.account)

    @task
    def visit_page(self) -> None:
        if not self.pages:
            return
        sess = DashSession(self.transport)
        sess.load(random.choice(self.pages))
        controls = sess.filter_controls()
        for _ in range(FILTER_CHANGES_PER_VISIT):
            if not controls:
                break
            self.wait()  # reading the page before the next change
            cid, prop, choices = random.choice(controls)
            if cid in sess.index:
                sess.set_value(cid, prop, random.choice(choices))
            controls = sess.filter_controls()


@events.quitting.add_listener
def _fail_on_errors(environment: Any, **_: Any) -> None:
    # Exit code 1 when any request failed, so scripts and CI see it.
    if environment.stats.total.fail_ratio > 0:
        environment.process_exit_code = 1
