"""Helpers of the apply tests (importable as ``apply_support``): a fresh project key per case, a
30-resource configuration of every kind, what DSS holds, and the invariants every apply must keep."""
import itertools
import threading

from dataiku_framework import FrameworkConfig
from dataiku_framework.state import StateStore, read_lock

_KEYS = itertools.count(1)


def fresh_key(prefix="AP"):
    return "%s_%d" % (prefix, next(_KEYS))


def config_30_text(key):
    """30 resources: project (settings, tags), variables, 2 zones, 3 folders, 12 datasets (external
    and managed, SQL and files), 8 recipes (python, sql_query, sync, grouping, prepare, join, sort),
    3 scenarios (one inactive, one without triggers)."""
    return """
version: "1.0"
project:
  key: %(key)s
  name: Apply fault project
  description: thirty resources
  tags: [faults, apply]
  variables:
    standard: {region: eu, batch: 10}
    local: {debug: false}
  settings: {flowBuildSettings: {mergeSparkPipelines: false}}
zones:
  - {name: ingest, color: "#112233"}
  - {name: publish, color: "#445566"}
managed_folders:
  - {name: landing, zone: ingest}
  - {name: exports, zone: publish}
  - {name: models}
datasets:
  - {name: raw_customers, type: SQL, connection: snowflake_prod, params: {schema: RAW, table: CUSTOMERS}, zone: ingest}
  - {name: raw_orders, type: SQL, connection: pg, params: {schema: public, table: orders}, zone: ingest}
  - {name: raw_files, type: Filesystem, connection: filesystem_managed, path: /raw/files, format_type: csv}
  - {name: clean_customers, type: Filesystem, managed: true, format_type: csv, description: cleaned}
  - {name: clean_orders, type: Filesystem, managed: true, format_type: csv}
  - {name: cust_sql, type: SQL, connection: pg, managed: true}
  - {name: orders_copy, type: Filesystem, managed: true, format_type: csv}
  - {name: orders_by_customer, type: Filesystem, managed: true, format_type: csv}
  - {name: files_prepared, type: Filesystem, managed: true, format_type: csv, zone: publish}
  - {name: customer_orders, type: Filesystem, managed: true, format_type: csv, zone: publish}
  - {name: orders_sorted, type: Filesystem, managed: true, format_type: csv}
  - {name: customers_distinct, type: Filesystem, managed: true, format_type: csv, tags: [gold]}
recipes:
  - name: clean_customers_py
    type: python
    inputs: [raw_customers]
    outputs: [clean_customers]
    code: |
      import dataiku
      df = dataiku.Dataset("raw_customers").get_dataframe()
      dataiku.Dataset("clean_customers").write_with_schema(df)
  - name: clean_orders_py
    type: python
    inputs: [raw_orders]
    outputs: [clean_orders]
    code: "import dataiku\\n"
  - name: customers_sql
    type: sql_query
    inputs: [raw_orders]
    outputs: [cust_sql]
    code: "SELECT * FROM orders"
  - {name: copy_orders, type: sync, inputs: [clean_orders], outputs: [orders_copy]}
  - name: group_orders
    type: grouping
    inputs: [clean_orders]
    outputs: [orders_by_customer]
    keys: [customer_id]
    aggregations: [{column: amount, functions: [sum, count]}]
  - name: prepare_files
    type: prepare
    inputs: [raw_files]
    outputs: [files_prepared]
    steps:
      - {type: ColumnRenamer, params: {renamings: [{from: amt, to: amount}]}}
  - name: join_customer_orders
    type: join
    inputs: [clean_customers, clean_orders]
    outputs: [customer_orders]
    join_type: left
    on: [{left: id, right: customer_id}]
  - {name: sort_orders, type: sort, inputs: [orders_copy], outputs: [orders_sorted], order_by: [id]}
scenarios:
  - name: nightly
    triggers: [{type: temporal, frequency: daily, hour: 2, minute: 0}]
    steps: [{type: build_flowitem, items: [customer_orders], build_mode: RECURSIVE}]
  - name: hourly
    active: false
    triggers: [{type: temporal, frequency: hourly, minute: 15}]
    steps: [{type: build_flowitem, items: [orders_sorted, orders_by_customer]}]
  - name: weekly
    steps: [{type: build_flowitem, items: [files_prepared]}]
""" % {"key": key}


def config_30(key):
    return FrameworkConfig.from_yaml(config_30_text(key))


# -- what DSS holds ------------------------------------------------------------------------------------------------

def live_names(client, key):
    """{kind: [names, duplicates kept]} of what DSS holds for project ``key`` ({} when it is missing)."""
    if key not in client.list_project_keys():
        return {}
    project = client.get_project(key)
    return {"dataset": [d["name"] for d in project.list_datasets()],
            "recipe": [r["name"] for r in project.list_recipes()],
            "managed_folder": [f["name"] for f in project.list_managed_folders()],
            "scenario": [s.get("name") or s["id"] for s in project.list_scenarios()],
            "zone": [z.name for z in project.get_flow().list_zones() if z.id != "default"]}


def assert_no_duplicates(names):
    for kind, listed in names.items():
        dup = sorted({n for n in listed if listed.count(n) > 1})
        assert not dup, "duplicated %s in DSS: %s" % (kind, dup)


def exists(names, address):
    """Whether the object at ``address`` exists in DSS (``names`` from ``live_names``)."""
    if address in ("project", "variables"):
        return bool(names)
    kind, name = address.split(".", 1)
    return name in names.get(kind, [])


def assert_state_matches_dss(client, key, names, created_in_dss=None):
    """Every resource the state records exists in DSS; every object in ``created_in_dss`` (addresses
    of objects the tool created) is recorded, as created by the tool."""
    if not names:
        return
    state = StateStore(client, key).read()
    for address, entry in state.resources.items():
        assert exists(names, address), "state records %s, which DSS does not have" % address
    for address in created_in_dss or ():
        entry = state.resources.get(address)
        assert entry is not None, "%s was created in DSS by the tool but is not in the state" % address
        if address not in ("project", "variables"):
            assert entry.get("created_by_tool") is True, "%s is recorded as not created by the tool: %r" % (
                address, entry)


def assert_lock_free(client, key):
    """The project lock is released (or at least expiring: never left held by a finished apply)."""
    if key not in client.list_project_keys():
        return
    record = read_lock(client, key)
    assert record is None, "the lock is still held after the apply ended: %r" % record


class WriteHook(object):
    """Counts write requests (not GET/HEAD) sent through ``client`` while installed."""

    def __init__(self, client):
        self.client = client
        self.writes = []
        self._lock = threading.Lock()

    def _record(self, response, *args, **kwargs):
        if response.request.method not in ("GET", "HEAD"):
            with self._lock:
                self.writes.append("%s %s" % (response.request.method, response.request.path_url))
        return response

    def __enter__(self):
        self.client._session.hooks.setdefault("response", []).append(self._record)
        return self

    def __exit__(self, *exc):
        self.client._session.hooks["response"].remove(self._record)
