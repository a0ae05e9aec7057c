"""Several instances behind nginx, as the README runs several hosts: two gunicorn instances with
the repository's config on one instance folder (so one database, one secret key), and nginx
with deploy/nginx.conf in front. Supporters go through the whole journey over real HTTP while
workers are killed (SIGKILL) or restarted (SIGHUP): they see only 200, 303, 429 and 503, each
429 and 503 with Retry-After. Statuses and headers are asserted, never timings.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from tests import servers
from tests.servers import orphans, wait_for
from tests.supporters import Answer, Browser, addresses, journey, token

ALLOWED = {200, 303, 429, 503}
SUPPORTERS = 6
JOURNEYS_EACH = 4
STEADY_TIMEOUT_S = 30  # for killed workers to be replaced


@dataclass
class Cluster:
    """Two instances and nginx in front."""

    a: servers.Served
    b: servers.Served
    front: servers.Served
    folder: object

    def access_log(self) -> str:
        """nginx's access log so far."""
        return (self.front.log.parent / "access.log").read_text()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    """Two gunicorn instances (behind one proxy: CAMPAIGN_TRUSTED_PROXIES=1) and nginx."""
    folder = tmp_path_factory.mktemp("cluster")
    instance = folder / "instance"
    instance.mkdir()
    behind_nginx = {"CAMPAIGN_TRUSTED_PROXIES": "1", "CAMPAIGN_WEB_PROCESSES": "4"}
    with (
        servers.gunicorn(instance, folder / "a.log", **behind_nginx) as a,
        servers.gunicorn(instance, folder / "b.log", **behind_nginx) as b,
        servers.nginx(folder / "nginx", [a.port, b.port]) as front,
    ):
        yield Cluster(a, b, front, folder)


@dataclass
class Seen:
    """Every answer the supporters got, by step."""

    answers: list[tuple[str, Answer]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, answer: Answer) -> None:
        with self.lock:
            self.answers.append((step, answer))

    def unexpected(self) -> list[tuple[str, object]]:
        """Answers a supporter must never see: not 200/303/429/503, or no Retry-After."""
        return [
            (step, answer.status)
            for step, answer in self.answers
            if answer.status not in ALLOWED
            or (answer.status in (429, 503) and not answer.header("Retry-After"))
        ]

    def statuses(self, step: str) -> set[object]:
        """The statuses seen for one step."""
        return {answer.status for name, answer in self.answers if name == step}


def supporters_while(port: int, action: Callable[[], object], first_address: int) -> Seen:
    """SUPPORTERS supporters doing JOURNEYS_EACH journeys through `port` while `action` runs
    (started once they are under way); each journey is a new supporter with a new address."""
    seen = Seen()
    fresh = addresses(first_address)
    lock = threading.Lock()
    until = time.monotonic() + 120

    def supporter() -> None:
        for _ in range(JOURNEYS_EACH):
            with lock:
                browser = Browser(port, next(fresh))
            journey(browser, seen.record, until)
            browser.close()

    threads = [threading.Thread(target=supporter, daemon=True) for _ in range(SUPPORTERS)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(seen.answers) >= SUPPORTERS, 60, "the supporters under way")
    action()
    assert any(thread.is_alive() for thread in threads), "the journeys ended before the action"
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a journey did not end"
    return seen


def booted(served: servers.Served) -> int:
    """Workers this instance has booted so far."""
    return served.log_text().count("Booting worker with pid")


def test_nginx_spreads_requests_over_both_instances_and_logs_no_client(cluster):
    for _ in range(8):
        assert servers.status_of(cluster.front.port, "/?lang=it") == 200
    wait_for(lambda: cluster.access_log().count('"GET /"') >= 8, 5, "the access log")
    log = cluster.access_log()
    assert f"127.0.0.1:{cluster.a.port}" in log and f"127.0.0.1:{cluster.b.port}" in log
    assert "lang=it" not in log  # no query string...
    assert not re.search(r"^127\.0\.0\.1 ", log, re.M)  # ...and no client address


def test_through_nginx_the_app_sees_each_supporter_s_address(cluster):
    # The pair limit (5 failures for one account from one client) stops the first client at
    # its 6th try through nginx; a second client is not stopped by it: nginx forwarded each
    # one's own address, and the app believed the one address nginx added.
    first, second = addresses(5_000_000), addresses(5_100_000)
    one, other = next(first), next(second)
    tries = [sign_in(cluster.front.port, one, "nobody-pair") for _ in range(6)]
    assert tries == [400] * 5 + [429]
    assert sign_in(cluster.front.port, other, "nobody-pair") == 400


def test_the_sign_in_limits_hold_across_instances(cluster):
    # One client, one account, every other try on the other instance: stopped at the same
    # try as on one instance, since both count in the one database.
    client = next(addresses(5_200_000))
    ports = [cluster.a.port, cluster.b.port]
    tries = [sign_in(ports[number % 2], client, "nobody-across") for number in range(7)]
    assert tries == [400] * 5 + [429, 429]


def sign_in(port: int, address: str, account: str) -> int | str:
    """One failed sign-in from `address`: the status."""
    browser = Browser(port, address)
    page = browser.request("GET", "/admin")
    assert page.status == 200
    fields = [token(page.body), ("name", account), ("password", "not anybody's password 9")]
    status = browser.request("POST", "/admin", fields).status
    browser.close()
    return status


def test_a_graceful_restart_during_the_journeys_drops_nothing(cluster):
    before = booted(cluster.a)

    def restart() -> None:
        os.kill(cluster.a.process.pid, signal.SIGHUP)  # new workers, the old ones finish

    seen = supporters_while(cluster.front.port, restart, 6_000_000)
    assert seen.unexpected() == []
    assert seen.statuses("POST /sent") == {303}
    wait_for(lambda: booted(cluster.a) >= before + 2, STEADY_TIMEOUT_S, "new workers")
    assert "Handling signal: hup" in cluster.a.log_text()


def test_workers_killed_during_the_journeys_show_supporters_only_200_303_429_503(cluster):
    before = booted(cluster.a) + booted(cluster.b)

    def kill_workers() -> None:
        for round_number in range(3):  # every worker of A, then of B, then of A again
            victims = (cluster.a, cluster.b)[round_number % 2].workers()
            assert victims
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            time.sleep(2)

    seen = supporters_while(cluster.front.port, kill_workers, 7_000_000)
    assert seen.unexpected() == []
    assert 303 in seen.statuses("POST /sent")
    wait_for(
        lambda: booted(cluster.a) + booted(cluster.b) >= before + 6, STEADY_TIMEOUT_S, "workers"
    )
    # The kills were felt: nginx sent some request again to the other instance.
    assert re.search(r"upstream \S+, \S+ 502, (200|303)", cluster.access_log())
    # Nothing was left behind by the killed workers (their render processes ended with them).
    for served in (cluster.a, cluster.b):
        wait_for(lambda pid=served.process.pid: not orphans(pid), 10, "the end of orphans")
