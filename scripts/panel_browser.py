"""Drives the operators' panel of a live `engel serve` in headless Chromium, as an operator would.

Run by scripts/panel-browser, which starts the server, makes the account and the panel user, and
passes them here in the environment:
  ENGEL_BASE            the server's address, e.g. http://127.0.0.1:40123
  ENGEL_API_KEY/_HASH   the account's API credentials (to see the API answer 401 once it is off)
  PANEL_USER/_PASSWORD  an operator of that account
  CHROMIUM, CHROMEDRIVER the browser and its driver
  SCREENSHOT_DIR        where every visited page is saved at desktop and phone widths

Steps: sign in, look a number up, add it with a reason, remove it, import a CSV with a bad line,
export the list, switch API access off and see the API answer 401, read the logs, sign out. Each step asserts on
what the page says, so a page that renders but says the wrong thing fails the run.
"""

import base64
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (JavascriptException, NoSuchElementException, StaleElementReferenceException,
                                        TimeoutException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["ENGEL_BASE"]
SHOTS = os.environ["SCREENSHOT_DIR"]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
WAIT_SECONDS = 15

# Numbers the test uses: one to add and remove by hand, three to import.
NUMBER = "5330000123"
NUMBER_SHOWN = "+90 533 000 01 23"  # as pages show it
NUMBER_CSV = "+905330000123"  # as the CSV exports write it
IMPORTED = ["+905330000201", "+905330000202", "+905330000203"]
REASON = "browser test: asked to stop"


def page_text(driver, tag="body"):
    """The text of the page's first `tag`, read in one script: an element found first and read
    after can belong to the page a redirect just replaced, which Chromium reports as an error of
    its own rather than as a stale element."""
    text = driver.execute_script(
        "const e = document.getElementsByTagName(arguments[0])[0]; return e ? e.innerText.trim() : null;", tag)
    if text is None:
        raise NoSuchElementException(f"no {tag} yet")
    return text


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Panel:
    """The browser, and the few things every step does with it."""

    def __init__(self):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ["CHROMIUM"]
        # --no-sandbox: Chromium refuses to start its sandbox as root (CI runs as root).
        # --lang: the panel picks its language from Accept-Language; the test reads English.
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-US",
                         "--window-size=1280,900", "--disable-gpu"]:
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
        # A given driver path keeps Selenium Manager from trying to download one.
        self.driver = webdriver.Chrome(options=options, service=Service(os.environ["CHROMEDRIVER"]))
        self.step = 0

    def quit(self):
        self.driver.quit()

    def open(self, path):
        self.driver.get(BASE + path)

    def wait(self, condition, what):
        """Waits for `condition(driver)` to be truthy; fails naming `what` and the page it was on."""
        try:
            # Stale or missing elements, or a script run as a page unloads: the page was mid-load
            # (or reloading itself).
            ignored = [NoSuchElementException, StaleElementReferenceException, JavascriptException]
            return WebDriverWait(self.driver, WAIT_SECONDS, ignored_exceptions=ignored).until(condition)
        except TimeoutException:
            raise Failure(f"timed out waiting for {what}; on {self.driver.current_url}, "
                          f"titled {self.driver.title!r}:\n{self.text()[:1500]}") from None

    def wait_text(self, text):
        return self.wait(lambda d: text in page_text(d), repr(text))

    def wait_heading(self, heading):
        self.wait(lambda d: page_text(d, "h1") == heading, f"the page {heading!r}")

    def text(self):
        return page_text(self.driver)

    def fill(self, element_id, value):
        field = self.driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value)

    def submit(self, form_css):
        """Clicks the submit button of the first form matching `form_css`."""
        self.driver.find_element(By.CSS_SELECTOR, form_css + " button[type=submit]").click()

    def screenshot(self, name):
        """Saves the whole page at each width. The viewport is set through the DevTools protocol,
        not by resizing the window: a desktop window cannot be made phone-narrow, and the page
        height grows to the content so nothing below the fold is lost. The page is not reloaded, so
        the answer to a POST is captured as it was shown."""
        self.step += 1
        for label, (width, height) in WIDTHS.items():
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": label == "phone"}
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            full = self.driver.execute_script("return document.documentElement.scrollHeight")
            if full > height:
                self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": full})
            # A page wider than the viewport overflows: on a phone that means sideways scrolling.
            wide = self.driver.execute_script(
                "return document.documentElement.scrollWidth > document.documentElement.clientWidth")
            if wide:
                print(f"panel-browser: note: {name} at {label} width is wider than the screen")
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            path = os.path.join(SHOTS, f"{self.step:02d}-{name}-{label}-{width}.png")
            with open(path, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def listed_count(self, name):
        """The count the list page states, e.g. 'Numbers listed: 1.'"""
        self.open("/panel/list")
        self.wait_heading("List")
        self.screenshot(name)
        match = re.search(r"Numbers listed: (\d+)\.", self.text())
        check(match is not None, f"no count on the list page:\n{self.text()}")
        return int(match.group(1))

    def session_cookie(self):
        cookie = self.driver.get_cookie("engel_panel_session")
        check(cookie is not None, "no session cookie after signing in")
        return cookie["value"]


def api_status():
    """The HTTP status of a plain get-blacklist call with the account's key and hash."""
    body = {"request": {"authentication": {"key": os.environ["ENGEL_API_KEY"],
                                           "hash": os.environ["ENGEL_API_HASH"]}}}
    request = urllib.request.Request(BASE + "/v1/get-blacklist/json", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def sign_in(panel):
    # ?lang=en once: the panel remembers the choice in a cookie, whatever the browser's language.
    panel.open("/panel/sign-in?lang=en")
    panel.wait_heading("Sign in")
    panel.screenshot("sign-in")
    panel.fill("user", os.environ["PANEL_USER"])
    panel.fill("password", os.environ["PANEL_PASSWORD"])
    panel.submit("form[action='/panel/sign-in']")
    # An operator lands on the list.
    panel.wait_heading("List")
    check("Signed in as " + os.environ["PANEL_USER"] in panel.text(), "the header does not name the user")
    panel.screenshot("list-empty")


def search(panel, expect_listed):
    panel.open("/panel/search")
    panel.wait_heading("Look up a number")
    panel.fill("number", NUMBER)
    panel.submit("form[role=search]")
    if expect_listed:
        panel.wait_text("Listed: messages to it are blocked.")
        check(REASON in panel.text(), f"the search page does not show the reason {REASON!r}:\n{panel.text()}")
        panel.screenshot("search-listed")
    else:
        panel.wait_text("Not listed.")
        panel.screenshot("search-not-listed")


def add(panel):
    panel.open("/panel/change")
    panel.wait_heading("Add / remove")
    panel.screenshot("change")
    panel.fill("add-number", NUMBER)
    panel.fill("add-reason", REASON)
    panel.submit("form[action='/panel/add']")
    panel.wait_text(f"{NUMBER_SHOWN} is now blocked.")
    panel.screenshot("added")


def remove(panel):
    # From the search page, where a listed number has its own remove form.
    panel.open("/panel/search?number=" + NUMBER)
    panel.wait_text("Listed: messages to it are blocked.")
    panel.screenshot("search-to-remove")
    panel.fill("search-remove-reason", "browser test: removed")
    panel.submit("form[action='/panel/remove']")
    panel.wait_text(f"{NUMBER_SHOWN} is no longer blocked.")
    panel.screenshot("removed")


def import_csv(panel):
    """Uploads a file with three numbers and one bad line, checks the report names the bad line,
    applies the file and waits for its job to finish."""
    panel.open("/panel/import")
    panel.wait_heading("Import CSV")
    panel.screenshot("import-upload")
    lines = [IMPORTED[0], IMPORTED[1], "not a number", IMPORTED[2]]
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as file:
        file.write("\n".join(lines) + "\n")
    try:
        # A file input takes the file's path as typed keys; the browser uploads it as multipart.
        panel.driver.find_element(By.ID, "file").send_keys(file.name)
        panel.submit("form[action='/panel/import']")
        panel.wait_heading("Import check")
    finally:
        os.unlink(file.name)
    report = panel.text()
    rows = [row.text for row in panel.driver.find_elements(By.CSS_SELECTOR, "table tbody tr")]
    check(any(row.startswith("3 ") and "not a number" in row for row in rows),
          f"the report does not name line 3 as left out; rows: {rows}")
    check(re.search(r"Lines that are not numbers\s*1\b", report) is not None,
          f"the report does not count 1 line that is not a number:\n{report}")
    check("Block 3 numbers" in report, f"the report does not offer to block 3 numbers:\n{report}")
    panel.screenshot("import-report")
    panel.fill("import-reason", "browser test: imported")
    panel.submit("form[action='/panel/import/confirm']")
    panel.wait_heading("Import")
    check("/panel/import/jobs/" in panel.driver.current_url,
          f"the job page is not at /panel/import/jobs/…: {panel.driver.current_url}")
    # The job page reloads itself every second until the job ends.
    panel.wait(lambda d: re.search(r"Done\.|Stopped\.", page_text(d)), "the import to end")
    job = panel.text()
    check("Done." in job, f"the import did not finish:\n{job}")
    check(re.search(r"Newly blocked\s*3\b", job) is not None, f"the job page does not say 3 were added:\n{job}")
    panel.screenshot("import-done")


def download(panel, path):
    """A CSV download's text, fetched with the browser's session cookie: a headless browser would
    only drop the file in a folder."""
    cookie = "engel_panel_session=" + panel.session_cookie()
    request = urllib.request.Request(BASE + path, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        check(response.status == 200, f"{path} answered {response.status}")
        check("text/csv" in response.headers.get("Content-Type", ""), f"{path} is not text/csv")
        return response.read().decode("utf-8-sig")


def export(panel, imported):
    """The export page, the list as CSV (the imported numbers, not the removed one) and the change
    log as CSV (the number added and removed by hand)."""
    panel.open("/panel/export")
    panel.wait_heading("Export")
    panel.screenshot("export")
    listed = download(panel, "/panel/export/list.csv")
    check(listed.startswith("number,"), f"the list export has no header line:\n{listed[:300]}")
    for number in imported:
        check(number in listed, f"the list export does not hold {number}:\n{listed}")
    check(NUMBER_CSV not in listed, f"the list export still holds the removed {NUMBER_CSV}")
    changes = download(panel, "/panel/export/changes.csv")
    for action in ["add", "remove"]:
        check(re.search(rf"^\d+,[^,]*,{action},{re.escape(NUMBER_CSV)},", changes, re.MULTILINE) is not None,
              f"the change log export has no {action} of {NUMBER_CSV}:\n{changes}")


def switch_api_off(panel):
    check(api_status() == 200, "the API did not answer 200 before API access was switched off")
    panel.open("/panel/api-access")
    panel.wait_heading("API access")
    panel.screenshot("api-access-on")
    panel.submit("form[action='/panel/api-access']")
    panel.wait_text("API access is off: API requests answer 401.")
    panel.screenshot("api-access-off")
    status = api_status()
    check(status == 401, f"the API answered {status}, not 401, with API access off")


def logs(panel):
    """The change log lists the number added and removed by hand; the audit log, the switch."""
    panel.open("/panel/changes")
    panel.wait_heading("Change log")
    check(NUMBER_SHOWN in panel.text(), f"the change log does not list {NUMBER_SHOWN}:\n{panel.text()}")
    panel.screenshot("change-log")
    panel.open("/panel/audit")
    panel.wait_heading("Audit log")
    check("API access switched off" in panel.text(), f"the audit log does not record the switch:\n{panel.text()}")
    panel.screenshot("audit-log")


def sign_out(panel):
    panel.open("/panel/list")
    panel.wait_heading("List")
    panel.screenshot("list-to-sign-out")
    panel.submit("form[action='/panel/sign-out']")
    panel.wait_heading("Sign in")
    panel.screenshot("signed-out")
    # The session is over: the list leads back to the sign-in page.
    panel.open("/panel/list")
    panel.wait_heading("Sign in")
    panel.screenshot("list-after-sign-out")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    started = time.monotonic()
    panel = Panel()
    state = {"imported": False}

    def imported():
        import_csv(panel)
        state["imported"] = True

    def counts(expected, name):
        count = panel.listed_count(name)
        check(count == expected, f"the list counts {count} numbers, not {expected}")

    def counts_import():
        # Only meaningful once the import ran; its own failure is already reported.
        if not state["imported"]:
            return "skipped: no import ran"
        counts(3, "list-imported")

    def exported():
        export(panel, IMPORTED if state["imported"] else [])

    # Each step goes on from the page the last one left; a failed step is reported and the rest
    # still run (but nothing runs without signing in), so one broken page does not hide another.
    steps = [
        ("sign in", lambda: sign_in(panel)),
        ("search an unlisted number", lambda: search(panel, expect_listed=False)),
        ("add with a reason", lambda: add(panel)),
        ("search the listed number", lambda: search(panel, expect_listed=True)),
        ("the list counts it", lambda: counts(1, "list-one")),
        ("remove", lambda: remove(panel)),
        ("the list counts none", lambda: counts(0, "list-none")),
        ("import a CSV with a bad line", imported),
        ("the list counts the import", counts_import),
        ("export", exported),
        ("switch API access off, API answers 401", lambda: switch_api_off(panel)),
        ("the change and audit logs", lambda: logs(panel)),
        ("sign out", lambda: sign_out(panel)),
    ]
    failed = []
    try:
        for name, step in steps:
            try:
                skipped = step()
            except Failure as failure:
                failed.append(name)
                print(f"panel-browser: FAIL: {name}: {failure}", file=sys.stderr)
                panel.screenshot("failed-" + re.sub(r"[^a-z0-9]+", "-", name.lower()))
                if name == "sign in":
                    break
                continue
            print(f"panel-browser: {skipped if isinstance(skipped, str) else 'ok'}: {name}")
    finally:
        panel.quit()
    print(f"panel-browser: screenshots in {SHOTS}; {time.monotonic() - started:.1f}s in the browser")
    if failed:
        print(f"panel-browser: FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
