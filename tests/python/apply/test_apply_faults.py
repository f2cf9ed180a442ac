"""Fault injection: a 30-resource apply from empty with a fault at the k-th write, for every k.

Each k is tried before the write lands (nothing applied) and after it (applied, answer lost), as an
HTTP 500, an HTTP 503 and a dropped connection. The writes are counted by the emulator on a clean
run first, so every write of the apply is hit once: the project creation, the lock's writes, the
checkpoint tags, the state writes and every object write. In every case:

- the apply either returns a result or fails cleanly (a fault on its own machinery: the lock, the
  state, a checkpoint), leaving the lock free and nothing half-recorded;
- the result says what happened: a succeeded resource is in DSS as configured (the next plan has
  no change for it), a skipped creation is not in DSS;
- the state matches DSS: every resource it records exists, every object the tool created is
  recorded as created by the tool;
- a second apply (no fault) succeeds and the plan after it has no changes; the state then records
  every object, as created by the tool;
- no object is duplicated.

The n-th write to each of the tool's own files (lock.json, state.json, the checkpoint tags, the
library folder) is faulted too, by path: how many state writes an apply makes depends on how
finished resources batch up, so the k-th write of a faulted run is not always the same as in the
clean run, whereas the n-th write to lock.json (the release, for n = 2 from empty) is.

Reads are faulted too (issue 14): a sample of the apply's reads by position (first, last and evenly
between: the plans, the existence checks, the read-backs), every read of the lock and of the state
(first, middle, last), and the existence check of a creation whose answer was lost: the first
creation of each kind faulted, then the next reads of that kind failing the same way, more than the
retry policy's attempts of every creation running beside it (``outage_reads``), so the check itself cannot be read and the creation's outcome
is unknown. The same invariants hold, and nothing is created twice.

One test per (fault, phase) checks its cases and lists every case that broke an invariant, so one
run shows the whole picture. The cases (about 590: 528 on writes, 63 on reads) run in worker
processes, each with its own emulator and a fresh project key per case: about 5 minutes on 2 cores
(the reads add about 12%), CPU-bound (each case is
two applies of up to 30 resources and a plan; a zero settle delay would save only about 15%).
"""
import concurrent.futures
import logging
import multiprocessing
import os
import time

import pytest

from apply_support import (assert_no_duplicates, config_30, exists, fresh_key, live_names)
from dataiku_framework.state import StateStore, read_lock

FAULTS = [("http500", {"fail_status": 500}), ("http503", {"fail_status": 503}), ("drop", None)]
PHASES = ("before", "after")
#: Kinds the tool creates from empty (the project is created too, but never deleted: not checked).
CREATED_KINDS = ("dataset", "recipe", "managed_folder", "scenario", "zone")

#: The tool's own writes (lock, state, checkpoints, the library folder they live in), faulted by path too:
#: how many state writes an apply makes depends on how finished resources batch up, so the k-th write
#: of a run is not always the same one, whereas the n-th write to lock.json is.
OWN_WRITES = ("lock.json", "state.json", "git/tags", "libraries/folders")
#: The tool's own files, whose reads are faulted by path (first, middle and last read of each).
OWN_READS = ("lock.json", "state.json")
#: How many of a clean run's reads are faulted by position (first and last included).
READ_SAMPLES = 8
#: Collections whose first creation is faulted, with the reads checking it (the existence check).
CREATED_PATHS = ("/datasets/", "/managedfolders/", "/recipes/", "/scenarios/")
#: Reads failing after the faulted creation: the retry policy's attempts (4) for each creation of the
#: kind running in parallel, so the check cannot be read whatever reads share the outage.
OUTAGE_READS = 16

_CLEAN = {}


def clean_writes(emu, engine):
    """Write requests of a clean apply of the 30-resource config (counted by the emulator)."""
    if "writes" not in _CLEAN:
        emu.faults.clear()
        emu.stats.reset()
        result = engine.apply(config_30(fresh_key("CLEAN")))
        assert result.succeeded, result.summary()
        entries = emu.stats.snapshot()["log"]
        log = [e["path"] for e in entries if e["write"]]
        reads = [e["path"] for e in entries if not e["write"]]
        _CLEAN["writes"] = len(log)
        _CLEAN["result_writes"] = result.writes
        _CLEAN["own"] = {part: sum(1 for p in log if part in p) for part in OWN_WRITES}
        _CLEAN["reads"] = len(reads)
        _CLEAN["own_reads"] = {part: sum(1 for p in reads if part in p) for part in OWN_READS}
    return _CLEAN["writes"]


def spec_of(fault, phase, k):
    name, extra = fault
    spec = {"fail_phase": phase if phase in PHASES else "before"}  # a read changes nothing: no phase
    if isinstance(k, tuple) and k[0] == "read":  # ("read", n) or ("read", path part, n): the n-th read
        if len(k) == 3:
            spec["path_contains"] = k[1]
        if extra is None:
            spec["drop_nth_read"] = k[-1]
        else:
            spec["fail_nth_read"] = k[-1]
            spec.update(extra)
        return spec
    if isinstance(k, tuple) and k[0] == "check":  # ("check", path part): its first write, and the check
        spec["outage_reads"] = OUTAGE_READS
        k = k[1:]
    if isinstance(k, tuple):  # (path part, n): the n-th write whose path contains the part
        spec["path_contains"], k = k
    if extra is None:
        spec["drop_nth_write"] = k
    else:
        spec["fail_nth_write"] = k
        spec.update(extra)
    return spec


def faulted_write(emu):
    """The request the fault hit (the first, for an outage), from the emulator's log ("METHOD path")."""
    hit = [e for e in emu.stats.snapshot()["log"] if e.get("fault")]
    return "%s %s" % (hit[0]["method"], hit[0]["path"]) if hit else "(no request hit)"


def run_case(emu, client, engine, spec):
    """Apply with the fault, check, converge, check; the list of broken invariants (empty: fine)."""
    problems = []
    key = fresh_key("F")
    config = config_30(key)
    emu.stats.reset()
    emu.faults.configure(spec)
    result, error = None, None
    try:
        result = engine.apply(config)
    except Exception as exc:  # noqa: BLE001 - a fault on the tool's own writes may end the apply
        error = exc
    where = faulted_write(emu)
    emu.faults.clear()
    names = live_names(client, key)
    problems += _duplicates(names)
    if names:
        record = read_lock(client, key)
        if record is not None:
            problems.append("lock still held after the apply (%s)" % record.id)
            engine.unlock(key, record.id)  # so the convergence below is still checked
    if result is not None:
        for r in result.results:
            if r.status == "skipped" and r.operation == "create" and exists(names, r.address):
                problems.append("%s reported skipped but exists in DSS" % r.address)
            if r.status == "failed" and not r.error:
                problems.append("%s failed without an error" % r.address)
        created = [r.address for r in result.results
                   if r.operation == "create" and r.address.split(".")[0] in CREATED_KINDS and exists(names, r.address)]
    else:
        created = ["%s.%s" % (kind, n) for kind in CREATED_KINDS for n in names.get(kind, [])]
    problems += _state_problems(client, key, names, created)
    # convergence: the second apply touches nothing the first reported as succeeded
    try:
        second = engine.apply(config)
        if not second.succeeded:
            problems.append("second apply: %s %s" % (second.summary(),
                                                     [(r.address, r.error) for r in second.results
                                                      if r.status != "succeeded"][:3]))
        if result is not None:
            done = {r.address for r in result.results if r.status == "succeeded"}
            again = ["%s (%s)" % (r.address, r.operation) for r in second.results if r.address in done]
            if again:
                problems.append("reported succeeded, yet the next apply changed them: %s" % ", ".join(again))
        plan = engine.plan(config)
        if plan.has_changes:
            problems.append("plan after the second apply: %s" % plan.summary)
    except Exception as exc:  # noqa: BLE001
        problems.append("second apply raised %s: %s" % (exc.__class__.__name__, str(exc)[:300]))
    names = live_names(client, key)
    problems += _duplicates(names)
    every = ["%s.%s" % (kind, n) for kind in CREATED_KINDS for n in names.get(kind, [])]
    problems += ["after convergence: " + p for p in _state_problems(client, key, names, every)]
    if problems:
        if result is not None:
            outcome = "%s %s" % (result.summary(), ["%s %s %s: %s" % (r.operation, r.address, r.status, r.error)
                                                    for r in result.results if r.status == "failed"])
        else:
            outcome = "raised %s: %s" % (error.__class__.__name__, str(error)[:200])
        problems.insert(0, "fault on %s -> %s" % (where, outcome))
    return problems


def _duplicates(names):
    try:
        assert_no_duplicates(names)
    except AssertionError as exc:
        return [str(exc)]
    return []


def _state_problems(client, key, names, created):
    if not names:
        return []
    out = []
    try:
        state = StateStore(client, key).read()
    except Exception as exc:  # noqa: BLE001
        return ["state unreadable: %s" % exc]
    for address, entry in state.resources.items():
        # canonical None: a creation not completed, or whose outcome was unknown; the next apply reads DSS
        if not exists(names, address) and entry.get("canonical") is not None:
            out.append("state records %s, absent from DSS" % address)
    for address in created:
        entry = state.resources.get(address)
        if entry is None:
            out.append("%s is in DSS, created by the tool, but not in the state" % address)
        elif entry.get("created_by_tool") is not True:
            out.append("%s is recorded with created_by_tool=%r" % (address, entry.get("created_by_tool")))
    return out


# -- the matrix, run by worker processes ------------------------------------------------------------------------
#
# Every case sleeps through the lock's settle delay twice (two applies): worker processes, each with
# its own emulator, overlap those sleeps and use both cores. APPLY_FAULT_WORKERS sets their number;
# APPLY_FAULT_KS ("3,17") runs only those writes, to reproduce a case; APPLY_FAULT_STRIDE=n every n-th
# write (the second run of the suite, under Python 3.9, samples the matrix this way: the full matrix
# runs once per `make test`, on the main interpreter).

_WORKER = {}


def _start_worker():
    from emusupport import ADMIN_KEY, make_emulator
    from dataiku_framework.engine import Engine
    emu = make_emulator()
    client = emu.client(ADMIN_KEY)
    _WORKER.update(emu=emu, client=client, engine=Engine(client=client))


def _work(case):
    fault_name, phase, k = case
    fault = dict(FAULTS)[fault_name]
    logging.disable(logging.WARNING)  # the lock's warnings are expected here; the problems list is the output
    started = time.monotonic()
    try:
        spec = spec_of((fault_name, fault), phase, k)
        problems = run_case(_WORKER["emu"], _WORKER["client"], _WORKER["engine"], spec)
    except Exception as exc:  # noqa: BLE001 - a check that crashed is a problem of that case
        problems = ["the case crashed: %s: %s" % (exc.__class__.__name__, exc)]
    return case, problems, time.monotonic() - started


@pytest.fixture(scope="module")
def matrix(shared_emulator):
    """{(fault, phase): [(k, problems)]} for every k of a clean run's writes, and the timing."""
    from emusupport import ADMIN_KEY
    from dataiku_framework.engine import Engine
    client = shared_emulator.client(ADMIN_KEY)
    total = clean_writes(shared_emulator, Engine(client=client))
    only = os.environ.get("APPLY_FAULT_KS")
    stride = _stride()  # make test-py39: every n-th write (and the last), own writes too
    ks = [int(x) for x in only.split(",")] if only else sorted(set(range(1, total + 1, stride)) | {total})
    cases = [(f[0], phase, k) for f in FAULTS for phase in PHASES for k in ks]
    if not only:
        cases += [(f[0], phase, (part, n)) for f in FAULTS for phase in PHASES for part in OWN_WRITES
                  for n in sorted(set(range(1, _CLEAN["own"][part] + 1, stride)) | {_CLEAN["own"][part]})]
        cases += read_cases(stride)
    workers = int(os.environ.get("APPLY_FAULT_WORKERS", "4"))
    started = time.monotonic()
    out = {}
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:
        for (fault, phase, k), problems, _ in pool.map(_work, cases, chunksize=4):
            out.setdefault((fault, phase), []).append((k, problems))
    return {"total": total, "ks": ks, "cases": len(cases), "seconds": time.monotonic() - started, "by": out}


def spread(total, count):
    """About ``count`` positions in 1..total, evenly apart, the first and the last included."""
    if total <= 0:
        return []
    step = max(1, (total - 1) // max(1, count - 1))
    return sorted(set(range(1, total + 1, step)) | {total})


def read_cases(stride):
    """The read faults (a sample, ``stride`` thinning it further): (fault, "reads"|phase, k)."""
    samples = max(2, READ_SAMPLES // stride)
    cases = [(f[0], "reads", ("read", n)) for f in FAULTS for n in spread(_CLEAN["reads"], samples)]
    cases += [(f[0], "reads", ("read", part, n)) for f in FAULTS for part in OWN_READS
              for n in spread(_CLEAN["own_reads"][part], 3 if stride == 1 else 2)]
    cases += [(f[0], phase, ("check", part, 1)) for f in FAULTS for phase in check_phases(stride)
              for part in CREATED_PATHS]
    return cases


def check_phases(stride):
    """Phases of the existence-check cases: both, or when sampling only "after" (the creation landed:
    the case a second creation would duplicate)."""
    return PHASES if stride == 1 else ("after",)


def _stride():
    return int(os.environ.get("APPLY_FAULT_STRIDE", "1"))


def _rows(matrix, key, kind):
    if os.environ.get("APPLY_FAULT_KS"):
        pytest.skip("APPLY_FAULT_KS runs only the writes it names")
    return [(k, problems) for k, problems in matrix["by"].get(key, []) if _kind(k) == kind]


def _kind(k):
    return k[0] if isinstance(k, tuple) and k[0] in ("read", "check") else "write"


def _failures(matrix, rows):
    failures = ["k=%s: %s" % (k, "\n    ".join(problems)) for k, problems in rows if problems]
    return "%d of %d cases broke an invariant (whole matrix: %d cases in %.0f s):\n%s" % (
        len(failures), len(rows), matrix["cases"], matrix["seconds"], "\n".join(failures)) if failures else ""


@pytest.mark.parametrize("fault", [f[0] for f in FAULTS])
def test_fault_on_reads(matrix, fault):
    """A failed read (of the plan, an existence check, a read-back, the lock, the state) breaks no invariant."""
    rows = _rows(matrix, (fault, "reads"), "read")
    # the own files the clean run reads: a first apply reads no state file (the library listing, faulted
    # among the reads by position, shows it absent, and its first write creates it with its text)
    read_parts = [part for part in OWN_READS if _CLEAN["own_reads"][part]]
    assert "lock.json" in read_parts and len(rows) >= 2 + 2 * len(read_parts) - 1
    assert not _failures(matrix, rows), _failures(matrix, rows)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("fault", [f[0] for f in FAULTS])
def test_fault_on_the_existence_check_of_a_lost_creation(matrix, fault, phase):
    """A creation's answer lost, and its existence check failing too: reported, never created twice."""
    if phase not in check_phases(_stride()):
        pytest.skip("APPLY_FAULT_STRIDE samples the landed creations only")
    rows = _rows(matrix, (fault, phase), "check")
    assert len(rows) == len(CREATED_PATHS)
    assert not _failures(matrix, rows), _failures(matrix, rows)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("fault", [f[0] for f in FAULTS])
def test_fault_at_every_write(matrix, fault, phase):
    rows = [(k, p) for k, p in matrix["by"][(fault, phase)] if _kind(k) == "write"]
    assert len([k for k, _ in rows if not isinstance(k, tuple)]) == len(matrix["ks"])
    failures = ["k=%s: %s" % (k, "\n    ".join(problems)) for k, problems in rows if problems]
    assert not failures, "%d of %d cases broke an invariant (whole matrix: %d cases in %.0f s):\n%s" % (
        len(failures), len(rows), matrix["cases"], matrix["seconds"], "\n".join(failures))


def test_matrix_covers_every_write_of_a_clean_run(matrix, shared_emulator):
    """The result's write count is the emulator's, so the matrix hits every write the apply makes;
    and the whole matrix stays quick enough to run with the suite."""
    assert matrix["total"] == _CLEAN["result_writes"] >= 30
    print("fault matrix: %d cases in %.1f s" % (matrix["cases"], matrix["seconds"]))
