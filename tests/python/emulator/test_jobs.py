"""Jobs through the real client: synchronous builds, DSS's build planning, logs, listings, errors."""
import pytest
from dataikuapi.utils import DataikuException

from emusupport import ANALYST_KEY, fs_dataset


def _recipe(project, name, inp, out):
    return project.new_recipe("python", name).with_input(inp).with_output(out).with_script("pass").create()


@pytest.fixture
def chain(project):
    """raw -> r1 -> mid -> r2 -> final"""
    for name in ("raw", "mid", "final"):
        fs_dataset(project, name)
    _recipe(project, "r1", "raw", "mid")
    _recipe(project, "r2", "mid", "final")
    return project


def test_dataset_build_completes_synchronously(chain):
    job = chain.get_dataset("final").build()
    status = job.get_status()
    base = status["baseStatus"]
    assert base["state"] == "DONE"
    assert base["def"]["id"] == job.id and base["def"]["projectKey"] == "P1"
    assert base["def"]["type"] == "NON_RECURSIVE_FORCED_BUILD"
    # the client sends type null: DSS reads it as DATASET
    assert base["def"]["outputs"][0]["type"] == "DATASET" and base["def"]["outputs"][0]["projectKey"] == "P1"
    assert status["startTime"] <= status["endTime"]
    assert [a["recipeName"] for a in base["activities"].values()] == ["r2"]
    assert job.id.startswith("Build_final_")


def test_recipe_run_uses_graph_and_builds_its_output(chain):
    job = chain.get_recipe("r1").run()
    base = job.get_status()["baseStatus"]
    assert base["state"] == "DONE"
    assert base["def"]["outputs"][0]["id"] == "mid"


def test_recursive_build_runs_upstream_recipes_first(chain):
    job = chain.new_job("RECURSIVE_FORCED_BUILD").with_output("final", object_type="DATASET").start_and_wait()
    state = job.get_status()
    assert state["baseStatus"]["state"] == "DONE"
    assert [a["recipeName"] for a in state["baseStatus"]["activities"].values()] == ["r1", "r2"]


def test_source_dataset_build_has_nothing_to_do(chain):
    job = chain.get_dataset("raw").build(job_type="RECURSIVE_BUILD")
    assert job.get_status()["baseStatus"]["state"] == "DONE"
    assert job.get_status()["baseStatus"]["activities"] == {}
    assert "Nothing to do" in job.get_log()


def test_unknown_output_is_refused(project):
    with pytest.raises(DataikuException) as e:
        project.start_job({"type": "RECURSIVE_BUILD", "outputs": [{"id": "nope", "type": "DATASET"}]})
    assert "NotFoundException" in str(e.value) and "does not exist" in str(e.value)
    with pytest.raises(DataikuException, match="does not exist"):
        project.new_job().with_output("nope", object_type="MANAGED_FOLDER").start()


def test_bad_definitions_are_400(project):
    fs_dataset(project, "a")
    for bad in ({"type": "WHATEVER", "outputs": [{"id": "a"}]}, {"type": "RECURSIVE_BUILD", "outputs": []},
                {"type": "RECURSIVE_BUILD", "outputs": ["a"]}):
        with pytest.raises(DataikuException, match="IllegalArgument"):
            project.start_job(bad)


def test_recipe_with_missing_input_fails_the_job(chain, emulator):
    del emulator.instance.projects["P1"].datasets["raw"]     # a dangling input, as after a forced delete
    with pytest.raises(DataikuException, match="FAILED"):
        chain.get_dataset("mid").build()
    state = chain.new_job().with_output("mid").start_and_wait(no_fail=True).get_status()
    assert state["baseStatus"]["state"] == "FAILED"
    assert "Input raw of recipe r1 does not exist" in state["baseStatus"]["firstFailure"]["message"]
    job_id = state["baseStatus"]["def"]["id"]
    assert "ERROR" in chain.get_job(job_id).get_log()


def test_list_jobs_newest_first_and_running_lists_empty(chain, client):
    first = chain.get_dataset("mid").build()
    second = chain.get_dataset("final").build()
    items = chain.list_jobs()
    assert [i.job_id for i in items] == [second.id, first.id]
    assert items[0].project_key == "P1" and items[0].start_time is not None and items[0].end_time is not None
    assert items[0].to_job().get_status()["baseStatus"]["state"] == "DONE"
    assert chain.list_running_jobs() == [] and client.list_running_jobs() == []


def test_abort_and_log(chain):
    job = chain.get_dataset("final").build()
    assert job.abort() == {}
    assert job.get_status()["baseStatus"]["state"] == "DONE"
    log = job.get_log()
    assert job.id in log and "compute_r2_NP" in log
    assert "compute_r2_NP" in job.get_log(activity="compute_r2_NP")
    assert "started" not in job.get_log(activity="compute_r2_NP")


def test_unknown_job_is_404(project):
    with pytest.raises(DataikuException) as e:
        project.get_job("nope").get_status()
    assert "NotFoundException" in str(e.value) and "does not exist" in str(e.value)
    with pytest.raises(DataikuException, match="does not exist"):
        project.get_job("nope").get_log()


def test_permissions(chain, emulator):
    analyst = emulator.client(ANALYST_KEY)
    with pytest.raises(DataikuException, match="Failed to read project permissions"):
        analyst.get_project("P1").list_jobs()
    settings = chain.get_permissions()
    settings["permissions"].append({"group": "data_team", "readProjectContent": True})
    chain.set_permissions(settings)
    assert analyst.get_project("P1").list_jobs() == []
    with pytest.raises(DataikuException, match="forbidden"):
        analyst.get_project("P1").get_dataset("final").build()


def test_builds_record_last_build_of_the_datasets_they_write(chain):
    assert "lastBuild" not in chain.get_dataset("final").get_info().get_raw()
    job = chain.get_dataset("final").build(job_type="RECURSIVE_FORCED_BUILD")
    status = job.get_status()["baseStatus"]
    for name in ("mid", "final"):
        last = chain.get_dataset(name).get_info().get_raw()["lastBuild"]
        assert last["buildSuccess"] is True
        assert status["jobStartTime"] <= last["buildStartTime"] <= last["buildEndTime"] <= status["jobEndTime"]
    assert "lastBuild" not in chain.get_dataset("raw").get_info().get_raw()      # a source: nothing ran


def test_a_failed_recipe_records_a_failed_build(chain):
    chain.get_dataset("raw").delete()
    job = chain.new_job("NON_RECURSIVE_FORCED_BUILD").with_output("mid").start_and_wait(no_fail=True)
    assert job.get_status()["baseStatus"]["state"] == "FAILED"
    assert chain.get_dataset("mid").get_info().get_raw()["lastBuild"]["buildSuccess"] is False


def test_abort_changes_nothing_and_counts_as_a_read(chain, emulator):
    job = chain.get_dataset("final").build()
    emulator.stats.reset()
    job.abort()
    assert (emulator.stats.snapshot()["reads"], emulator.stats.snapshot()["writes"]) == (1, 0)
