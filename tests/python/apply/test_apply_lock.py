"""Two applies started at once on one project, 50 times with seeded random jitter: exactly one runs.

Each round changes the project's description, then starts two applies of the same configuration in
two threads, each with its own client (its own HTTP session, as two processes would have), the
second after a random delay. Rounds alternate between the two waiting modes:

- ``lock_timeout=0``: the other fails fast with ``LockHeld`` naming the holder (user, host, id), or,
  when it started after the first had finished, finds nothing to do;
- ``lock_timeout>0``: the other waits for the lock, then finds nothing to do (no resource run, no
  apply id, and no write beyond the lock's own).

After every round: one new history entry, the lock free, the plan clean.
"""
import os
import random
import threading
import time

from emusupport import ADMIN_KEY

from apply_support import WriteHook, fresh_key
from dataiku_framework import FrameworkConfig
from dataiku_framework.engine import Engine
from dataiku_framework.state import LockHeld

ROUNDS = int(os.environ.get("APPLY_LOCK_ROUNDS", "50"))  # make test-py39 runs fewer; make test runs all 50
SEED = 20261201


def _config(key, round_no):
    return FrameworkConfig.from_yaml("""
version: "1.0"
project: {key: %s, name: Lock race, description: round %d}
datasets:
  - {name: a, type: Filesystem, managed: true, format_type: csv}
  - {name: b, type: Filesystem, managed: true, format_type: csv, description: round %d}
""" % (key, round_no, round_no))


def _race(emu, key, round_no, delay, timeout):
    """Run two applies, the second ``delay`` s after the first; [(outcome, value, writes)] for each."""
    outcomes = [None, None]
    config = _config(key, round_no)

    def run(index, pause):
        client = emu.client(ADMIN_KEY)
        engine = Engine(client=client)
        if pause:
            time.sleep(pause)
        with WriteHook(client) as hook:
            try:
                outcomes[index] = ("result", engine.apply(config, lock_timeout=timeout), hook.writes)
            except Exception as exc:  # noqa: BLE001 - what the loser gets is what is checked
                outcomes[index] = ("error", exc, hook.writes)

    threads = [threading.Thread(target=run, args=(0, 0.0)), threading.Thread(target=run, args=(1, delay))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def test_two_applies_at_once_exactly_one_runs(emu, client, engine):
    rng = random.Random(SEED)
    key = fresh_key("RACE")
    assert engine.apply(_config(key, 0)).succeeded
    runs = len(engine.history(key))
    problems = []
    tally = {"LockHeld": 0, "waited, nothing to do": 0, "started late, nothing to do": 0}
    for round_no in range(1, ROUNDS + 1):
        timeout = 0.0 if round_no % 2 else 30.0
        delay = rng.uniform(0.0, 0.7)
        outcomes = _race(emu, key, round_no, delay, timeout)
        ran = [o for o in outcomes if o and o[0] == "result" and o[1].apply_id]
        others = [o for o in outcomes if o not in ran]
        where = "round %d (timeout %s, delay %.3f s)" % (round_no, timeout, delay)
        if len(ran) != 1 or len(others) != 1:
            problems.append("%s: %d applies ran: %s" % (where, len(ran), outcomes))
            runs = len(engine.history(key))
            continue
        winner, (kind, value, writes) = ran[0][1], others[0]
        if not winner.succeeded:
            problems.append("%s: the apply that ran did not succeed: %s" % (where, winner.summary()))
        if kind == "error":
            if not isinstance(value, LockHeld):
                problems.append("%s: the other failed with %s: %s" % (where, value.__class__.__name__, value))
            elif timeout > 0:
                problems.append("%s: the other gave up although it could wait: %s" % (where, value))
            else:
                holder = value.holder
                text = str(value)
                if not (holder.user == "admin" and holder.host and holder.id and holder.operation == "apply"
                        and holder.id in text and "admin" in text and holder.host in text):
                    problems.append("%s: LockHeld does not name its holder: %s" % (where, text))
                tally["LockHeld"] += 1
        else:
            if value.results or value.apply_id is not None:
                problems.append("%s: the other ran too: %s (apply %s)" % (where, value.summary(), value.apply_id))
            extra = [w for w in writes if "lock.json" not in w]
            if extra:
                problems.append("%s: the other found nothing to do yet wrote %s" % (where, extra))
            tally["waited, nothing to do" if writes else "started late, nothing to do"] += 1
        history = engine.history(key)
        if len(history) != runs + 1 or history[0]["apply_id"] != winner.apply_id:
            problems.append("%s: history has %d new entries" % (where, len(history) - runs))
        runs = len(history)
        if engine.lock_status(key) is not None:
            problems.append("%s: lock left held: %r" % (where, engine.lock_status(key)))
        if engine.plan(_config(key, round_no)).has_changes:
            problems.append("%s: the plan after the round has changes" % where)
    assert not problems, "%d problems (outcomes: %s):\n%s" % (len(problems), tally, "\n".join(problems))
    # the jitter gave both modes real contention (5 of each in the 50 rounds of make test)
    need = max(1, ROUNDS // 10)
    assert tally["LockHeld"] >= need and tally["waited, nothing to do"] >= need, tally
