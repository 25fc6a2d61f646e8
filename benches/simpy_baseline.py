#!/usr/bin/env python3
"""The stacked-3 reference model in SimPy: the speed baseline of issue 2's
target ("1,000,000 cluster-years per second, about 100 times the same model
written in SimPy on this machine").

Same model as kubenines (MODEL.md): 3 stacked hosts over 3 zones, hosts up
iff up themselves and their zone up; a load balancer; etcd writable iff 2 of
3 members are up and a leader is elected (election uniform(1 s, 2 s) after
quorum is regained or the leader's member goes down); scheduler and
controller-manager leases (15 s lease, 10 s renew deadline, 2 s retry). The
API indicator's unavailability is printed so the two implementations can be
compared for agreement as well as speed.

    pip install simpy
    python3 benches/simpy_baseline.py [replications]   # 10 years each

It is written as idiomatic SimPy (a process per component, events for
changes), not tuned; that is what a planner's SimPy model looks like.
"""

import math
import random
import sys
import time

import simpy

YEAR = 365 * 86400.0


def weibull_mean(shape, mean):
    scale = mean / math.gamma(1 + 1 / shape)
    return lambda rng: rng.weibullvariate(scale, shape)


def lognormal_median(median, sigma):
    mu = math.log(median)
    return lambda rng: rng.lognormvariate(mu, sigma)


def exponential(mean):
    return lambda rng: rng.expovariate(1 / mean)


HOST_FAIL = weibull_mean(0.8, 2 * YEAR)
HOST_REPAIR = lognormal_median(1800, 1.0)
ZONE_FAIL = exponential(5 * YEAR)
ZONE_REPAIR = lognormal_median(4 * 3600, 1.2)
LB_FAIL = exponential(YEAR)
LB_REPAIR = lognormal_median(300, 0.8)
LEASE, RENEW, RETRY = 15.0, 10.0, 2.0


class Cluster:
    def __init__(self, env, rng):
        self.env, self.rng = env, rng
        self.own_up = [True] * 3
        self.zone_up = [True] * 3
        self.lb_up = True
        self.leader = rng.randrange(3)
        self.election = None
        self.api_was = True
        self.api_down_since = 0.0
        self.down_since = None
        self.downtime = 0.0
        self.events = 0
        # Lease holders: host index, or None while vacant.
        self.holders = [rng.randrange(3), rng.randrange(3)]
        self.lease_procs = [None, None]
        for h in range(3):
            env.process(self.alternate(HOST_FAIL, HOST_REPAIR, self.set_host, h))
            env.process(self.alternate(ZONE_FAIL, ZONE_REPAIR, self.set_zone, h))
        env.process(self.alternate(LB_FAIL, LB_REPAIR, self.set_lb, None))

    def host_up(self, h):
        return self.own_up[h] and self.zone_up[h]

    def alternate(self, fail, repair, setter, i):
        while True:
            yield self.env.timeout(fail(self.rng))
            setter(i, False)
            yield self.env.timeout(repair(self.rng))
            setter(i, True)

    def set_host(self, h, up):
        self.own_up[h] = up
        self.changed()

    def set_zone(self, z, up):
        self.zone_up[z] = up
        self.changed()

    def set_lb(self, _, up):
        self.lb_up = up
        self.changed()

    def etcd(self):
        up = sum(self.host_up(h) for h in range(3))
        return up >= 2 and self.leader is not None and self.host_up(self.leader)

    def api(self):
        return self.etcd() and self.lb_up and any(self.host_up(h) for h in range(3))

    def elect(self):
        try:
            yield self.env.timeout(self.rng.uniform(1, 2))
            ups = [h for h in range(3) if self.host_up(h)]
            self.leader = self.rng.choice(ups)
            self.election = None
            self.changed()
        except simpy.Interrupt:
            pass

    def take_lease(self, c, delay):
        try:
            while True:
                yield self.env.timeout(delay)
                if self.api():
                    ups = [h for h in range(3) if self.host_up(h)]
                    self.holders[c] = self.rng.choice(ups)
                    self.lease_procs[c] = None
                    self.changed()
                    return
                # Wait for the API: re-checked at each change (see changed()).
                self.lease_procs[c] = None
                return
        except simpy.Interrupt:
            pass

    def changed(self):
        self.events += 1
        now = self.env.now
        quorum = sum(self.host_up(h) for h in range(3)) >= 2
        if not quorum:
            self.leader = None
            if self.election is not None:
                self.election.interrupt()
                self.election = None
        elif self.election is None and (self.leader is None or not self.host_up(self.leader)):
            self.leader = None
            self.election = self.env.process(self.elect())
        api = self.api()
        if api != self.api_was:
            if api:
                lost = now - self.api_down_since > RENEW
                for c in range(2):
                    if self.lease_procs[c] is None and (self.holders[c] is None or lost):
                        self.holders[c] = None
                        self.lease_procs[c] = self.env.process(self.take_lease(c, self.rng.uniform(0, RETRY)))
            else:
                self.api_down_since = now
            self.api_was = api
        for c in range(2):
            h = self.holders[c]
            if h is not None and not self.host_up(h):
                self.holders[c] = None
                if api or now - self.api_down_since <= RENEW:
                    self.lease_procs[c] = self.env.process(
                        self.take_lease(c, LEASE + self.rng.uniform(0, RETRY)))
        # The api indicator's downtime.
        if not api and self.down_since is None:
            self.down_since = now
        elif api and self.down_since is not None:
            self.downtime += now - self.down_since
            self.down_since = None


def main():
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    horizon = 10 * YEAR
    start = time.perf_counter()
    unavailability, events = 0.0, 0
    for r in range(replications):
        env = simpy.Environment()
        c = Cluster(env, random.Random(r))
        env.run(until=horizon)
        if c.down_since is not None:
            c.downtime += horizon - c.down_since
        unavailability += c.downtime / horizon
        events += c.events
    wall = time.perf_counter() - start
    years = replications * horizon / YEAR
    print(f"SimPy stacked-3: {replications} replications x 10 y in {wall:.2f} s: "
          f"{years / wall:,.0f} cluster-years/s, {events / years:.1f} changes/cluster-year, "
          f"api unavailability {unavailability / replications:.3e}")


if __name__ == "__main__":
    main()
