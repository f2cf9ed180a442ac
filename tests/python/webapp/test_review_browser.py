"""The review webapp in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven
by Selenium with its driver manager off: ``Service("/usr/bin/chromedriver")``), served by the local
stand-in of DSS's webapp frame over the emulator: list, open a plan, filter, expand a diff, view the
flow, approve and apply, see the result, roll back with its preview; a plan naming an object
``<img src=x onerror=alert(1)>`` renders it as text. Screenshots go to ``.screenshots/webapp/``
(ignored by git). Skipped, saying why, only when Chromium or its driver is not installed
(``make chromium`` installs them). One browser for the module."""
import os
import shutil

import pytest

from emusupport import ADMIN_KEY, ROOT, make_emulator
from webapp_support import XSS

from review_frame import CHROMIUM, DRIVER  # noqa: E402
#: Screenshots, one folder per test worker: xdist may run this module's tests on two workers, each
#: setting up its own site, and one must not empty the folder the other is writing.
SHOTS = os.path.join(ROOT, ".screenshots", "webapp", os.environ.get("PYTEST_XDIST_WORKER", "main"))
WAIT = 30

pytest.importorskip("flask")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements-dev.txt)")
if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
    pytest.skip("Debian's chromium and chromium-driver are not installed and could not be (run 'make chromium' "
                "as root)", allow_module_level=True)

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def site():
    """An emulator seeded with project P1 and one stored plan, the frame serving the webapp, a browser."""
    from review_frame import FrameServer, seed, start_chromium, use_standin
    emulator = make_emulator()
    client = emulator.client(ADMIN_KEY)
    undo = server = driver = None
    try:
        folder_id = seed(client, "P1")
        undo = use_standin(emulator.url, ADMIN_KEY, "P1", {"source": "folder", "folder": folder_id,
                                                          "config_path": "project.yaml"})
        server = FrameServer(emulator, "P1")
        driver = start_chromium()
        shutil.rmtree(SHOTS, ignore_errors=True)
        os.makedirs(SHOTS)
        yield {"emulator": emulator, "client": client, "url": server.url, "driver": driver}
    finally:
        for stop in (driver and driver.quit, server and server.stop, emulator.stop, undo):
            if stop:
                stop()


def wait(driver, condition):
    return WebDriverWait(driver, WAIT).until(condition)


def visible(driver, css):
    return wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def click(driver, css):
    """Click the element ``css`` names once it is shown. The plans list is drawn again whenever it is
    reloaded (after login, an action, a filter), so an element found just before may be replaced
    before the click lands: find it again until a click lands on the current one."""
    def clicked(d):
        try:
            element = d.find_element(By.CSS_SELECTOR, css)
            if not element.is_displayed():
                return False
            element.click()
            return True
        except (StaleElementReferenceException, NoSuchElementException):
            return False
    wait(driver, clicked)


def login(site, user):
    driver = site["driver"]
    driver.get(site["url"] + "/login?user=" + user)
    wait(driver, lambda d: user in d.find_element(By.ID, "dkf-who").text)
    return driver


def open_first_plan(driver):
    click(driver, "#dkf-plans button.dkf-link")
    visible(driver, "#dkf-view-detail")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#dkf-resources details"))


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def test_list_open_filter_diff_and_flow(site):
    driver = login(site, "analyst")
    rows = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#dkf-plans tbody tr"))
    assert len(rows) == 1 and "pending" in rows[0].text and "3 create" in rows[0].text
    shot(driver, "list")
    open_first_plan(driver)
    assert "3" in driver.find_element(By.ID, "dkf-counts").text
    wait(driver, lambda d: "Fresh" in d.find_element(By.ID, "dkf-check").text)  # checked after the page showed
    Select(driver.find_element(By.ID, "dkf-f-kind")).select_by_value("recipe")
    rows = driver.find_elements(By.CSS_SELECTOR, "#dkf-resources details")
    assert [r.get_attribute("data-address") for r in rows] == ["recipe.clean"]
    rows[0].find_element(By.TAG_NAME, "summary").click()
    diff = visible(driver, "#dkf-resources .dkf-unified")
    assert "+ dataiku.Dataset('CLEAN').write_with_schema(df)" in diff.text
    driver.find_element(By.CSS_SELECTOR, ".dkf-diff-head button").click()
    assert visible(driver, "#dkf-resources .dkf-side").find_elements(By.CSS_SELECTOR, "td.dkf-add")
    shot(driver, "detail")
    driver.find_element(By.CSS_SELECTOR, ".dkf-subtab[data-sub=flow]").click()
    nodes = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#dkf-flow g.dkf-node"))
    assert sorted(n.get_attribute("data-address") for n in nodes) == ["dataset.CLEAN", "dataset.RAW", "recipe.clean"]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#dkf-flow path.dkf-edge")) == 2
    x = {n.get_attribute("data-address"): n.rect["x"] for n in nodes}
    assert x["dataset.RAW"] < x["recipe.clean"] < x["dataset.CLEAN"]  # laid out left to right
    shot(driver, "flow")
    view_box = "return document.querySelector('#dkf-flow svg').getAttribute('viewBox')"
    before = driver.execute_script(view_box)
    driver.find_element(By.ID, "dkf-zoom-in").click()
    assert before and driver.execute_script(view_box) != before
    driver.find_element(By.ID, "dkf-zoom-fit").click()
    assert driver.execute_script(view_box) == before
    from selenium.webdriver.common.keys import Keys
    [n for n in nodes if n.get_attribute("data-address") == "dataset.RAW"][0].send_keys(Keys.ENTER)  # keyboard
    opened = visible(driver, "#dkf-resources details[open]")
    assert opened.get_attribute("data-address") == "dataset.RAW"


def test_a_hostile_name_and_comment_render_as_text(site):
    from dataiku_framework.state.plans import PlanStore
    from dataiku_framework.plan.document import load_saved
    client = site["client"]
    store = PlanStore(client, "P1")
    record = store.get(store.list()[-1]["id"])
    plan = load_saved(record["plan"])
    entry = plan.doc["resource_changes"][1]
    entry["name"], entry["address"] = XSS + "\x07", "dataset." + XSS
    hostile = store.save(plan, source=record["source"], comment=XSS + " \u202e").id
    driver = login(site, "analyst")
    driver.execute_script("window.alert = function () { window.alertCalled = true; };")  # a script that ran
    click(driver, "#dkf-plans button[data-plan='%s']" % hostile)
    names = wait(driver, lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, "#dkf-resources .dkf-name")])
    assert XSS + "\\u0007" in names
    events = driver.find_element(By.ID, "dkf-events").text
    assert XSS in events and "\\u202e" in events  # the bidi override shown, not obeyed
    assert not driver.find_elements(By.CSS_SELECTOR, "#dkf-review img")
    driver.find_element(By.CSS_SELECTOR, ".dkf-subtab[data-sub=flow]").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#dkf-flow g.dkf-node"))
    assert not driver.find_elements(By.CSS_SELECTOR, "#dkf-review img")
    assert driver.execute_script("return typeof window.alertCalled") == "undefined"
    from selenium.common.exceptions import NoAlertPresentException
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text


def test_a_reader_sees_the_plan_without_actions_in_a_narrow_window(site):
    driver = login(site, "reader")
    driver.set_window_size(400, 800)
    try:
        open_first_plan(driver)
        assert not driver.find_element(By.ID, "dkf-actions").is_displayed()
        assert not driver.find_element(By.ID, "dkf-plan-now").is_displayed()
        driver.find_element(By.CSS_SELECTOR, "#dkf-resources summary").click()
        overflow = driver.execute_script("var e = document.documentElement; return e.scrollWidth - e.clientWidth;")
        assert overflow <= 0  # nothing wider than the window: readable without scrolling sideways
        shot(driver, "narrow")
    finally:
        driver.set_window_size(1280, 900)


def test_approve_and_apply_then_roll_back_with_preview(site):
    driver = login(site, "analyst")
    Select(driver.find_element(By.ID, "dkf-status-filter")).select_by_value("pending")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#dkf-plans tbody tr")) == 1)
    open_first_plan(driver)
    wait(driver, lambda d: "Fresh" in d.find_element(By.ID, "dkf-check").text)
    driver.find_element(By.ID, "dkf-comment").send_keys("reviewed in the browser")
    driver.find_element(By.ID, "dkf-apply").click()
    result = visible(driver, "#dkf-result")
    assert "Apply complete" in result.text
    wait(driver, lambda d: d.find_element(By.ID, "dkf-detail-status").text == "applied")
    assert "approved by analyst" in driver.find_element(By.ID, "dkf-events").text
    assert "reviewed in the browser" in driver.find_element(By.ID, "dkf-events").text
    shot(driver, "result")
    assert site["client"].get_project("P1").get_dataset("RAW").exists()
    driver.find_element(By.CSS_SELECTOR, ".dkf-tab[data-view=history]").click()
    click(driver, "#dkf-history button[data-apply]")
    preview = visible(driver, "#dkf-rollback-go")
    assert "dataset.RAW" in driver.find_element(By.ID, "dkf-rollback").text
    shot(driver, "rollback-preview")
    preview.click()
    wait(driver, lambda d: "Rollback complete" in d.find_element(By.ID, "dkf-message").text)
    assert not site["client"].get_project("P1").get_dataset("RAW").exists()


def test_plan_now_discard_and_drift_check(site):
    driver = login(site, "analyst")
    note = visible(driver, "#dkf-source-note")  # no project admin confirmed the webapp's source yet
    assert "a project admin must confirm it" in note.text
    shot(driver, "source-unconfirmed")
    assert not driver.find_element(By.ID, "dkf-plan-now").is_displayed()
    click(driver, "#dkf-confirm-source")
    wait(driver, lambda d: "Source confirmed" in d.find_element(By.ID, "dkf-message").text)
    assert "confirmed: folder" in note.text and "by analyst" in note.text
    assert not driver.find_element(By.ID, "dkf-confirm-source").is_displayed()
    click(driver, "#dkf-plan-now")
    wait(driver, lambda d: "Stored plan" in d.find_element(By.ID, "dkf-message").text)
    visible(driver, "#dkf-view-detail")
    made = driver.find_element(By.ID, "dkf-detail-title").text
    assert driver.find_element(By.ID, "dkf-detail-status").text == "pending"
    driver.find_element(By.ID, "dkf-comment").send_keys("not today")
    driver.find_element(By.ID, "dkf-discard").click()
    wait(driver, lambda d: d.find_element(By.ID, "dkf-detail-status").text == "discarded")
    assert "not today" in driver.find_element(By.ID, "dkf-events").text
    assert not driver.find_element(By.ID, "dkf-actions").is_displayed()
    driver.find_element(By.CSS_SELECTOR, ".dkf-tab[data-view=list]").click()
    Select(driver.find_element(By.ID, "dkf-status-filter")).select_by_value("discarded")
    wait(driver, lambda d: made.split()[-1] in d.find_element(By.ID, "dkf-plans").text)
    driver.find_element(By.CSS_SELECTOR, ".dkf-tab[data-view=drift]").click()
    wait(driver, lambda d: "No drift check recorded yet" in d.find_element(By.ID, "dkf-drift").text)
    driver.find_element(By.ID, "dkf-drift-now").click()
    wait(driver, lambda d: "checked at" in d.find_element(By.ID, "dkf-drift").text)
    assert "by analyst" in driver.find_element(By.ID, "dkf-drift").text


def test_a_refusal_shows_its_catalogue_code(site):
    """A refused apply (the plan went stale: the configuration changed after the page showed it) reads
    ``error[plan.stale]: ...``, as every face shows its failures, and the page marks the plan stale."""
    from webapp_support import CONFIG_YAML
    driver = login(site, "analyst")
    if driver.find_element(By.ID, "dkf-confirm-source").is_displayed():  # not yet by an earlier test
        click(driver, "#dkf-confirm-source")
        wait(driver, lambda d: "Source confirmed" in d.find_element(By.ID, "dkf-message").text)
    click(driver, "#dkf-plan-now")
    wait(driver, lambda d: "Stored plan" in d.find_element(By.ID, "dkf-message").text)
    wait(driver, lambda d: d.find_element(By.ID, "dkf-detail-status").text == "pending")
    folder = site["client"].get_project("P1").get_managed_folder(
        next(f["id"] for f in site["client"].get_project("P1").list_managed_folders() if f["name"] == "configs"))
    folder.put_file("project.yaml", CONFIG_YAML.replace("path: raw", "path: raw_moved"))
    driver.find_element(By.ID, "dkf-apply").click()
    wait(driver, lambda d: "error[plan.stale]: " in d.find_element(By.ID, "dkf-message").text)
    wait(driver, lambda d: d.find_element(By.ID, "dkf-detail-status").text == "stale")
    shot(driver, "refused-stale")
